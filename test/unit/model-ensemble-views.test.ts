import assert from 'node:assert/strict';
import { addViewBack, ensembleViews, GRID_SHIFT, isEnsembleSize, meanOfViews, viewFrame, type EnsembleView } from '../../src/model/ensemble-views.js';
import { ensembleFor } from '../../src/model/open.js';
import type { RgbFrame } from '../../src/frame.js';

/** A frame whose every byte says where it came from: R = x, G = y, B = 100 + x + y. */
function labelled(width: number, height: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 100 + x + y], (y * width + x) * 3);
  }
  return { width, height, data };
}

const pixel = (f: RgbFrame, x: number, y: number): number[] => Array.from(f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3));

describe('model/ensemble-views', () => {
  it('offers 1, 2 and 4 views, the first always the frame itself', () => {
    assert.deepEqual([1, 2, 4].map((n) => (isEnsembleSize(n) ? ensembleViews(n).length : 0)), [1, 2, 4]);
    assert.ok(!isEnsembleSize(3) && !isEnsembleSize('4'));
    for (const n of [1, 2, 4] as const) assert.deepEqual(ensembleViews(n)[0], { mirror: false, shift: 0 });
    assert.deepEqual(ensembleViews(4).slice(2).map((v) => v.shift), [GRID_SHIFT, GRID_SHIFT]);
  });

  it('the identity view is the frame, unchanged and not copied', () => {
    const f = labelled(5, 3);
    assert.equal(viewFrame(f, { mirror: false, shift: 0 }), f);
  });

  it('mirrors left-right', () => {
    const v = viewFrame(labelled(5, 3), { mirror: true, shift: 0 });
    assert.deepEqual([v.width, v.height], [5, 3]);
    assert.deepEqual(pixel(v, 0, 1), [4, 1, 105]);
    assert.deepEqual(pixel(v, 4, 2), [0, 2, 102]);
  });

  it('moves the picture right and down, the new border repeating the edge', () => {
    const v = viewFrame(labelled(5, 3), { mirror: false, shift: 2 });
    assert.deepEqual([v.width, v.height], [7, 5]);
    assert.deepEqual(pixel(v, 0, 0), [0, 0, 100], 'the corner repeats the first pixel');
    assert.deepEqual(pixel(v, 1, 3), [0, 1, 101], 'left border: column 0 of the same row');
    assert.deepEqual(pixel(v, 4, 1), [2, 0, 102], 'top border: row 0 of the same column');
    assert.deepEqual(pixel(v, 6, 4), [4, 2, 106], 'the last pixel lands shift pixels further');
  });

  it('mirrored and moved: the mirror image, then moved', () => {
    const v = viewFrame(labelled(5, 3), { mirror: true, shift: 2 });
    assert.deepEqual(pixel(v, 2, 2), [4, 0, 104]);
    assert.deepEqual(pixel(v, 6, 4), [0, 2, 102]);
  });

  it('maps every view back onto the frame exactly (a restorer that changes nothing gives the frame)', () => {
    const f = labelled(7, 5);
    const views: EnsembleView[] = [...ensembleViews(4), { mirror: true, shift: 3 }];
    const sum = new Uint16Array(f.data.length);
    for (const view of views) {
      const one = new Uint16Array(f.data.length);
      addViewBack(one, viewFrame(f, view).data, f.width, f.height, view);
      assert.deepEqual(Array.from(one), Array.from(f.data), `view ${JSON.stringify(view)}`);
      addViewBack(sum, viewFrame(f, view).data, f.width, f.height, view);
    }
    assert.deepEqual(meanOfViews(sum, views.length), f.data);
  });

  it('rounds the mean to the nearest level, halves up', () => {
    assert.deepEqual(Array.from(meanOfViews(Uint16Array.from([3, 4, 5, 1020]), 4)), [1, 1, 1, 255]);
    assert.deepEqual(Array.from(meanOfViews(Uint16Array.from([1, 2, 510]), 2)), [1, 1, 255]);
  });

  it('refuses a restoration of the wrong size', () => {
    assert.throws(() => addViewBack(new Uint16Array(5 * 3 * 3), new Uint8Array(5 * 3 * 3), 5, 3, { mirror: false, shift: 2 }), /shift 2/);
  });

  it('auto: four views for still images, two for video files, one live and in the benchmark; a number is taken as it is', () => {
    assert.deepEqual((['image', 'video', 'live', 'benchmark'] as const).map((p) => ensembleFor('auto', p)), [4, 2, 1, 1]);
    assert.deepEqual((['image', 'live'] as const).map((p) => ensembleFor(2, p)), [2, 2]);
  });
});
