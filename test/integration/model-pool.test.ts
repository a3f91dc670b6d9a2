/**
 * RestorerPool: several model workers on alternate frames, with the f2d-tiny
 * fixture in real onnxruntime-node workers.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { F2dError } from '../../src/errors.js';
import { OnnxRestorer } from '../../src/model/onnx-restorer.js';
import { AUTO_STREAMS_MAX_PIXELS, planStreams, RestorerPool } from '../../src/model/restorer-pool.js';
import type { RgbFrame } from '../../src/frame.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'models', 'f2d-tiny');

/** A frame whose pixels depend on `seed`, so swapped results would show. */
function frame(seed: number, width = 64, height = 48): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * (seed + 3) + seed * 37) & 255;
  return { width, height, data };
}

const base = { modelDir: FIXTURE, provider: 'cpu' as const, threads: 0, parserInterval: 1, cores: 2 };

describe('model/RestorerPool: frames restored on several workers at once', function () {
  this.timeout(60_000);

  describe('planStreams', () => {
    const plan = (o: Partial<{ streams: number; threads: number; provider: string; cores: number }>, pixels: number) =>
      planStreams({ streams: 0, threads: 0, provider: 'cpu', cores: 2, ...o }, pixels);

    it('automatic: two single-threaded streams on the CPU up to 1280x720, one with every core above', () => {
      assert.deepEqual(plan({}, 640 * 360), { streams: 2, threadsPerStream: 1 });
      assert.deepEqual(plan({}, AUTO_STREAMS_MAX_PIXELS), { streams: 2, threadsPerStream: 1 });
      assert.deepEqual(plan({}, 1920 * 1080), { streams: 1, threadsPerStream: 2 });
      assert.deepEqual(plan({ cores: 16 }, 640 * 360), { streams: 2, threadsPerStream: 8 });
      assert.deepEqual(plan({ cores: 1 }, 640 * 360), { streams: 1, threadsPerStream: 1 });
    });

    it('automatic is one stream on a GPU provider; explicit counts are kept and share the threads', () => {
      assert.deepEqual(plan({ provider: 'cuda' }, 640 * 360), { streams: 1, threadsPerStream: 2 });
      assert.deepEqual(plan({ streams: 3 }, 1920 * 1080), { streams: 3, threadsPerStream: 1 });
      assert.deepEqual(plan({ streams: 2, threads: 4 }, 640 * 360), { streams: 2, threadsPerStream: 2 }, 'threads is the budget of the whole pool');
      assert.deepEqual(plan({ threads: 2 }, 1920 * 1080), { streams: 1, threadsPerStream: 2 });
    });
  });

  it('gives each frame its own result, identical to a single restorer, with two in flight', async () => {
    const single = await OnnxRestorer.create({ ...base, threads: 1 });
    const expected: Uint8Array[] = [];
    try {
      for (let k = 0; k < 6; k++) expected.push((await single.restore(frame(k))).frame.data);
    } finally {
      await single.close();
    }

    const pool = await RestorerPool.create({ ...base, streams: 2 });
    try {
      assert.equal(pool.concurrency, 2, 'known before the first frame, so the caller can fill it');
      assert.equal(pool.plan, null, 'workers start on the first frame');
      const results = await Promise.all(Array.from({ length: 6 }, (_, k) => pool.restore(frame(k))));
      assert.deepEqual(pool.plan, { streams: 2, threadsPerStream: 1 });
      results.forEach((r, k) => assert.deepEqual(r.frame.data, expected[k], `frame ${k}`));
    } finally {
      await pool.close();
    }
  });

  it('parses alone on the streams in turn, as a single restorer does, starting the workers if need be', async () => {
    const single = await OnnxRestorer.create({ ...base, threads: 1 });
    const expected: number[][] = [];
    try {
      for (let k = 0; k < 3; k++) expected.push([...(await single.parse(frame(k))).weights]);
    } finally {
      await single.close();
    }
    const pool = await RestorerPool.create({ ...base, streams: 2 });
    try {
      const parsed = await Promise.all(Array.from({ length: 3 }, (_, k) => pool.parse(frame(k))));
      assert.deepEqual(pool.plan, { streams: 2, threadsPerStream: 1 });
      parsed.forEach((p, k) => assert.deepEqual([...p.weights], expected[k], `frame ${k}`));
      assert.equal(parsed[0]!.maps.frameWidth, 64);
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.parse(frame(0)), (err: unknown) => err instanceof F2dError && err.code === 'ERR_MODEL_CLOSED');
  });

  it('automatic mode runs one stream with every core on frames above 1280x720', async () => {
    const pool = await RestorerPool.create({ ...base, streams: 0 });
    try {
      const big = frame(1, 1296, 736);
      assert.ok(big.width * big.height > AUTO_STREAMS_MAX_PIXELS);
      await pool.restore(big);
      assert.deepEqual(pool.plan, { streams: 1, threadsPerStream: 2 });
      assert.equal(pool.concurrency, 1);
    } finally {
      await pool.close();
    }
  });

  it('checks the model before any frame, and refuses work after close', async () => {
    await assert.rejects(RestorerPool.create({ ...base, modelDir: path.join(FIXTURE, 'no-such'), streams: 2 }), (err: unknown) => err instanceof F2dError && err.code === 'ERR_MODEL_NOT_FOUND');
    await assert.rejects(RestorerPool.create({ ...base, streams: -1 }), /model\.streams must be an integer >= 0/);
    const pool = await RestorerPool.create({ ...base, streams: 2 });
    await pool.close();
    await pool.close();
    await assert.rejects(pool.restore(frame(0)), (err: unknown) => err instanceof F2dError && err.code === 'ERR_MODEL_CLOSED');
  });

  it('finishes frames in flight when closed while they run', async () => {
    const pool = await RestorerPool.create({ ...base, streams: 2 });
    const pending = [pool.restore(frame(0)), pool.restore(frame(1))];
    const closing = pool.close();
    const done = await Promise.all(pending);
    await closing;
    assert.equal(done.length, 2);
    assert.equal(done[1]!.frame.width, 64);
  });
});
