import assert from 'node:assert/strict';
import { imageFormatOf, isVideoOutputName } from '../../src/media/formats.js';

describe('media/formats', () => {
  it('maps image extensions, case-insensitively', () => {
    assert.equal(imageFormatOf('a/b.PNG'), 'png');
    assert.equal(imageFormatOf('x.jpeg'), 'jpeg');
    assert.equal(imageFormatOf('x.jpg'), 'jpeg');
    assert.equal(imageFormatOf('x.webp'), 'webp');
    assert.equal(imageFormatOf('x.gif'), undefined);
    assert.equal(imageFormatOf('png'), undefined);
  });

  it('accepts H.264 containers and refuses webm for video output', () => {
    for (const n of ['o.mp4', 'o.MKV', 'o.mov', 'o.avi', 'o.ts']) assert.ok(isVideoOutputName(n), n);
    for (const n of ['o.webm', 'o', 'o.png']) assert.ok(!isVideoOutputName(n), n);
  });
});
