import assert from 'node:assert/strict';
import { WeatherFrames } from '../../src/model/weather-frames.js';
import type { DegradeRequest, DegradeResult } from '../../src/model/onnx-degrader.js';
import { mixSeed } from '../../src/model/prng.js';
import type { RgbFrame } from '../../src/frame.js';

/** Records what f2d degrade asks the synthesis for; returns the frame unchanged. */
function fakeDegrader() {
  const requests: DegradeRequest[] = [];
  let closed = 0;
  return {
    requests,
    closed: () => closed,
    degrade: async (frame: RgbFrame, request: DegradeRequest): Promise<DegradeResult> => {
      requests.push(request);
      return { frame, input: frame, timings: { synth: 1 } };
    },
    close: async () => {
      closed++;
    },
  };
}

const frame = (): RgbFrame => ({ width: 2, height: 2, data: new Uint8Array(12) });

describe('f2d degrade: seeds per frame (WeatherFrames)', () => {
  it('a clip keeps the storm of the base seed and draws fresh noise for every frame', async () => {
    const fake = fakeDegrader();
    const w = new WeatherFrames(fake, 'rain', 42, true);
    for (let i = 0; i < 3; i++) await w.restore(frame());
    assert.deepEqual(
      fake.requests.map((r) => [r.configuration, r.seed, r.paramsSeed]),
      [
        ['rain', 42, 42],
        ['rain', mixSeed(42, 1), 42],
        ['rain', mixSeed(42, 2), 42],
      ],
    );
  });

  it('separate images each get their own parameters; the first equals a single image', async () => {
    const fake = fakeDegrader();
    const w = new WeatherFrames(fake, 'haze', 7, false);
    await w.restore(frame());
    await w.restore(frame());
    assert.deepEqual(
      fake.requests.map((r) => [r.seed, r.paramsSeed]),
      [
        [7, 7],
        [mixSeed(7, 1), mixSeed(7, 1)],
      ],
    );
  });

  it('hands back the timings and closes the synthesis', async () => {
    const fake = fakeDegrader();
    const w = new WeatherFrames(fake, 'snow', 0, true);
    const r = await w.restore(frame());
    assert.deepEqual(r.timings, { synth: 1 });
    await w.close();
    assert.equal(fake.closed(), 1);
  });
});
