/**
 * The weather synthesis as `f2d degrade` and `f2d eval` drive it: parity with
 * the PyTorch golden and the seeding rules (real onnxruntime-node, models/synth).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxDegrader } from '../../src/model/onnx-degrader.js';
import { fillUniform } from '../../src/model/prng.js';
import { Resources } from '../helpers/resources.js';

const SYNTH = fileURLToPath(new URL('../../models/synth', import.meta.url));

/** How many uniform parameters the shipped synthesis takes (its manifest's nParams). */
async function parameterCount(): Promise<number> {
  const manifest = JSON.parse(await readFile(path.join(SYNTH, 'manifest.json'), 'utf8')) as { nParams: number };
  return manifest.nParams;
}
/**
 * Tolerance of the golden parity: PyTorch and onnxruntime may round a value
 * lying at .5 differently, so a uint8 may differ by one step; at least 99.5%
 * of the values must be within that step (and nothing further off is allowed).
 */
const U8_STEP = 1;
const MIN_WITHIN = 0.995;

const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

describe('eval: weather synthesis (models/synth through OnnxDegrader)', function () {
  this.timeout(60_000);
  let synth: OnnxDegrader;
  const resources = new Resources();
  let golden: { width: number; height: number; input: Uint8Array; flags: number[]; params: Float32Array; noise: Float32Array; degraded: Uint8Array };

  before(async () => {
    const manifest = JSON.parse(await readFile(path.join(SYNTH, 'manifest.json'), 'utf8')) as { golden: { dir: string; width: number; height: number } };
    const dir = path.join(SYNTH, manifest.golden.dir);
    const read = (f: string): Promise<Buffer> => readFile(path.join(dir, f));
    golden = {
      width: manifest.golden.width,
      height: manifest.golden.height,
      input: new Uint8Array(await read('input.u8')),
      flags: Array.from(f32(await read('flags.f32'))),
      params: f32(await read('params.f32')),
      noise: f32(await read('noise.f32')),
      degraded: new Uint8Array(await read('degraded.u8')),
    };
    synth = await resources.add(OnnxDegrader.create({ modelDir: SYNTH, provider: 'cpu', threads: 1 }));
  });
  after(() => resources.closeAll());

  const frame = () => ({ width: golden.width, height: golden.height, data: golden.input.slice() });

  it(`reproduces the PyTorch golden: |diff| <= ${U8_STEP} on >= ${MIN_WITHIN * 100}% of the values`, async () => {
    assert.equal(golden.degraded.length, golden.width * golden.height * 3);
    const r = await synth.degrade(frame(), { flags: golden.flags, params: golden.params, noise: golden.noise, seed: 0 });
    let within = 0;
    let exact = 0;
    let max = 0;
    for (let i = 0; i < golden.degraded.length; i++) {
      const d = Math.abs(r.frame.data[i]! - golden.degraded[i]!);
      if (d <= U8_STEP) within++;
      if (d === 0) exact++;
      max = Math.max(max, d);
    }
    const n = golden.degraded.length;
    assert.ok(within / n >= MIN_WITHIN, `only ${((100 * within) / n).toFixed(2)}% within ${U8_STEP} (max diff ${max}, exact ${((100 * exact) / n).toFixed(2)}%)`);
    assert.notDeepEqual(r.frame.data, golden.input, 'the golden configuration changes the picture');
  });

  it('draws the parameters from paramsSeed and the noise from seed (one storm per clip)', async () => {
    const storm = 11;
    // Explicit parameters drawn from the storm seed = paramsSeed: the same picture.
    const viaSeed = await synth.degrade(frame(), { configuration: 'rain', seed: 5, paramsSeed: storm });
    const explicit = await synth.degrade(frame(), { configuration: 'rain', seed: 5, params: fillUniform(new Float32Array(await parameterCount()), storm) });
    assert.deepEqual(viaSeed.frame.data, explicit.frame.data);
    // Without paramsSeed the parameters come from seed.
    const plain = await synth.degrade(frame(), { configuration: 'rain', seed: storm });
    const same = await synth.degrade(frame(), { configuration: 'rain', seed: storm, paramsSeed: storm });
    assert.deepEqual(plain.frame.data, same.frame.data);
    // Another noise seed with the same storm gives another picture.
    const other = await synth.degrade(frame(), { configuration: 'rain', seed: 6, paramsSeed: storm });
    assert.notDeepEqual(other.frame.data, viaSeed.frame.data);
  });

  it('knows the 11 CDD-11 configurations in 3 tiers', () => {
    assert.equal(Object.keys(synth.configurations).length, 11);
    assert.deepEqual(
      Object.fromEntries(Object.entries(synth.tiers).map(([t, names]) => [t, names.length])),
      { single: 4, pair: 5, triple: 2 },
    );
  });
});
