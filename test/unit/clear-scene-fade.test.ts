/**
 * The clear-scene fade of file restores: when a frame counts as clear, how fast the output
 * moves between restored and untouched, and the blend itself.
 */
import assert from 'node:assert/strict';
import { ClearSceneFade, FADE_FRAMES, blendInto } from '../../src/restore/clear-scene-fade.js';

const CLEAR = [0.01, 0.02, 0.0, 0.03];
const SNOW = [0.0, 0.02, 0.01, 0.97];

describe('restore: ClearSceneFade', () => {
  it('starts where the first frame belongs, without a fade', () => {
    assert.equal(new ClearSceneFade(0.05).next(CLEAR), 0);
    assert.equal(new ClearSceneFade(0.05).next(SNOW), 1);
  });

  it('fades from restored to untouched and back over FADE_FRAMES frames each way', () => {
    const fade = new ClearSceneFade(0.05);
    assert.equal(fade.next(SNOW), 1);
    const down = Array.from({ length: FADE_FRAMES }, () => fade.next(CLEAR));
    for (let i = 1; i < down.length; i++) assert.ok(down[i]! < down[i - 1]!, `share falls frame by frame: ${down.join(' ')}`);
    assert.ok(down[0]! > 0.9, 'the first step is small');
    assert.equal(down.at(-1), 0, `untouched after ${FADE_FRAMES} frames`);
    assert.equal(fade.keptFrames, 1);
    const up = Array.from({ length: FADE_FRAMES }, () => fade.next(SNOW));
    assert.ok(up[0]! > 0 && up[0]! < 0.1);
    assert.equal(up.at(-1), 1);
    assert.equal(fade.keptFrames, 1, 'frames on a fade are not counted as kept');
  });

  it('leaves a clear scene only when a weight reaches twice the threshold', () => {
    const fade = new ClearSceneFade(0.05);
    fade.next(CLEAR);
    // 0.07 would not make a restored scene clear, and does not end a clear one either
    for (let i = 0; i < 5; i++) assert.equal(fade.next([0, 0, 0.07, 0]), 0);
    assert.ok(fade.next([0, 0, 0.1, 0]) > 0);
    assert.equal(fade.keptFrames, 6);
  });

  it('keeps the last decision when a frame brings no weights', () => {
    const fade = new ClearSceneFade(0.05);
    fade.next(CLEAR);
    assert.equal(fade.next(undefined), 0);
  });

  it('refuses a threshold outside (0, 1] and a fade shorter than a frame', () => {
    assert.throws(() => new ClearSceneFade(0), /passThroughBelow must be in \(0, 1\], got 0/);
    assert.throws(() => new ClearSceneFade(1.5), RangeError);
    assert.throws(() => new ClearSceneFade(0.05, 0), /fadeFrames must be a positive integer/);
  });
});

describe('restore: blendInto', () => {
  const frame = (values: number[]) => ({ width: 1, height: values.length / 3, data: Uint8Array.from(values) });

  it('mixes the restoration into the input by its share, rounded', () => {
    const restored = frame([200, 100, 0, 10, 20, 30]);
    blendInto(restored, frame([100, 100, 100, 30, 20, 10]), 0.25);
    assert.deepEqual([...restored.data], [125, 100, 75, 25, 20, 15]);
  });

  it('copies the input at share 0 and leaves the restoration at share 1', () => {
    const a = frame([1, 2, 3]);
    blendInto(a, frame([7, 8, 9]), 0);
    assert.deepEqual([...a.data], [7, 8, 9]);
    const b = frame([1, 2, 3]);
    blendInto(b, frame([7, 8, 9]), 1);
    assert.deepEqual([...b.data], [1, 2, 3]);
  });

  it('names both sizes when they differ', () => {
    assert.throws(() => blendInto(frame([1, 2, 3]), frame([1, 2, 3, 4, 5, 6]), 0.5), /restored 1x1 against input 1x2/);
  });
});
