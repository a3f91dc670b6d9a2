import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { F2dError } from '../../src/errors.js';
import { OnnxDegrader } from '../../src/model/onnx-degrader.js';
import { Resources } from '../helpers/resources.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SYNTH = path.join(ROOT, 'models', 'synth');
/** Rounding may flip a uint8 by one step between PyTorch and onnxruntime. */
const U8_TOL = 1;

const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('model/OnnxDegrader on models/synth (real onnxruntime-node, worker thread)', () => {
  let synth: OnnxDegrader;
  const resources = new Resources();
  let golden: { width: number; height: number; input: Uint8Array; flags: Float32Array; params: Float32Array; noise: Float32Array; degraded: Uint8Array };

  before(async () => {
    const manifest = JSON.parse(await readFile(path.join(SYNTH, 'manifest.json'), 'utf8')) as {
      golden: { dir: string; width: number; height: number };
    };
    const dir = path.join(SYNTH, manifest.golden.dir);
    golden = {
      width: manifest.golden.width,
      height: manifest.golden.height,
      input: new Uint8Array(await readFile(path.join(dir, 'input.u8'))),
      flags: f32(await readFile(path.join(dir, 'flags.f32'))),
      params: f32(await readFile(path.join(dir, 'params.f32'))),
      noise: f32(await readFile(path.join(dir, 'noise.f32'))),
      degraded: new Uint8Array(await readFile(path.join(dir, 'degraded.u8'))),
    };
    synth = await resources.add(OnnxDegrader.create({ modelDir: SYNTH, provider: 'cpu', threads: 1 }));
  });
  after(() => resources.closeAll());

  const frame = () => ({ width: golden.width, height: golden.height, data: golden.input.slice() });

  it('matches the PyTorch golden given the same flags, params and noise', async () => {
    const r = await synth.degrade(frame(), { flags: Array.from(golden.flags), params: golden.params, noise: golden.noise, seed: 0 });
    const d = maxAbsDiff(r.frame.data, golden.degraded);
    assert.ok(d <= U8_TOL, `degraded differs from the golden by up to ${d}`);
    assert.deepEqual(r.input.data, golden.input);
  });

  it('is reproducible from a seed, and another seed draws another picture', async () => {
    const a = await synth.degrade(frame(), { configuration: 'rain', seed: 7 });
    const b = await synth.degrade(frame(), { configuration: 'rain', seed: 7 });
    const c = await synth.degrade(frame(), { configuration: 'rain', seed: 8 });
    assert.deepEqual(a.frame.data, b.frame.data);
    assert.notDeepEqual(a.frame.data, c.frame.data);
    assert.notDeepEqual(a.frame.data, golden.input, 'rain changes the picture');
  });

  it('exposes the manifest configurations and tiers', () => {
    assert.deepEqual(synth.configurations['haze'], [0, 1, 0, 0]);
    assert.ok(synth.tiers['pair']?.includes('low_haze'));
  });

  it('names the known configurations for an unknown one', async () => {
    await assert.rejects(synth.degrade(frame(), { configuration: 'fog', seed: 1 }), (err: unknown) => {
      assert.ok(err instanceof F2dError);
      assert.equal(err.code, 'ERR_MODEL_SYNTH_CONFIG');
      assert.match(err.message, /unknown weather configuration 'fog'; known: low, haze, rain, snow, low_haze/);
      return true;
    });
  });

  it('closes twice and refuses use after close', async () => {
    const s = await OnnxDegrader.create({ modelDir: SYNTH, provider: 'cpu', threads: 1 });
    await s.close();
    await s.close();
    await assert.rejects(s.degrade(frame(), { configuration: 'rain', seed: 1 }), /degrade\(\) called after close\(\)/);
  });

  it('turns a worker that dies into an error, not a hang', async () => {
    const s = await OnnxDegrader.create({ modelDir: SYNTH, provider: 'cpu', threads: 1 });
    const inflight = s.degrade(frame(), { configuration: 'snow', seed: 1 });
    await s.worker.terminate();
    await assert.rejects(inflight, (err: unknown) => err instanceof F2dError && err.code === 'ERR_MODEL_WORKER_EXIT');
    await s.close();
  });
});
