/**
 * The independent evaluation synthesis (`models/synth-independent`, from
 * scripts/f2dnet/synth_independent.py) through the same runtime as the training
 * one: parity with its PyTorch golden, and its own parameter and noise sizes
 * taken from its manifest (real onnxruntime-node).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxDegrader } from '../../src/model/onnx-degrader.js';
import { Resources } from '../helpers/resources.js';

const SYNTH_INDEPENDENT = fileURLToPath(new URL('../../models/synth-independent', import.meta.url));
/** As for models/synth: a value lying at .5 may round either way, so one 8-bit step on at most 0.5% of values. */
const U8_STEP = 1;
const MIN_WITHIN = 0.995;

interface SynthManifestJson {
  readonly name: string;
  readonly nParams: number;
  readonly nNoise: number;
  readonly golden: { dir: string; width: number; height: number };
}

const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

describe('eval: independent weather synthesis (models/synth-independent through OnnxDegrader)', function () {
  this.timeout(60_000);
  let synth: OnnxDegrader;
  const resources = new Resources();
  let manifest: SynthManifestJson;
  let golden: { input: Uint8Array; flags: number[]; params: Float32Array; noise: Float32Array; degraded: Uint8Array };

  before(async () => {
    manifest = JSON.parse(await readFile(path.join(SYNTH_INDEPENDENT, 'manifest.json'), 'utf8')) as SynthManifestJson;
    const read = (f: string): Promise<Buffer> => readFile(path.join(SYNTH_INDEPENDENT, manifest.golden.dir, f));
    golden = {
      input: new Uint8Array(await read('input.u8')),
      flags: Array.from(f32(await read('flags.f32'))),
      params: f32(await read('params.f32')),
      noise: f32(await read('noise.f32')),
      degraded: new Uint8Array(await read('degraded.u8')),
    };
    synth = await resources.add(OnnxDegrader.create({ modelDir: SYNTH_INDEPENDENT, provider: 'cpu', threads: 1 }));
  });
  after(() => resources.closeAll());

  const frame = () => ({ width: manifest.golden.width, height: manifest.golden.height, data: golden.input.slice() });

  it(`reproduces the PyTorch golden: |diff| <= ${U8_STEP} on >= ${MIN_WITHIN * 100}% of the values`, async () => {
    const { width, height } = manifest.golden;
    assert.equal(golden.degraded.length, width * height * 3);
    assert.equal(golden.params.length, manifest.nParams);
    assert.equal(golden.noise.length, manifest.nNoise * width * height);
    const r = await synth.degrade(frame(), { flags: golden.flags, params: golden.params, noise: golden.noise, seed: 0 });
    let within = 0;
    let max = 0;
    for (let i = 0; i < golden.degraded.length; i++) {
      const d = Math.abs(r.frame.data[i]! - golden.degraded[i]!);
      if (d <= U8_STEP) within++;
      max = Math.max(max, d);
    }
    const n = golden.degraded.length;
    assert.ok(within / n >= MIN_WITHIN, `only ${((100 * within) / n).toFixed(2)}% within ${U8_STEP} (max diff ${max})`);
    assert.notDeepEqual(r.frame.data, golden.input, 'the golden configuration changes the picture');
  });

  it('draws as many parameters and noise fields as its manifest declares, and refuses other sizes', async () => {
    assert.equal(synth.modelName, 'synth-independent');
    const seeded = await synth.degrade(frame(), { configuration: 'low_haze_rain', seed: 8 });
    const again = await synth.degrade(frame(), { configuration: 'low_haze_rain', seed: 8 });
    assert.deepEqual(seeded.frame.data, again.frame.data);
    await assert.rejects(
      synth.degrade(frame(), { configuration: 'rain', seed: 8, params: new Float32Array(manifest.nParams + 1) }),
      (err: Error & { code?: string }) => err.code === 'ERR_MODEL_SYNTH_INPUT' && err.message.includes(`needs ${manifest.nParams}`),
    );
  });

  it('knows the 11 CDD-11 configurations in 3 tiers', () => {
    assert.equal(Object.keys(synth.configurations).length, 11);
    assert.deepEqual(
      Object.fromEntries(Object.entries(synth.tiers).map(([t, names]) => [t, names.length])),
      { single: 4, pair: 5, triple: 2 },
    );
  });
});
