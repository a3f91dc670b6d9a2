/**
 * The models shipped in models/: each loads (hashes and graph inputs/outputs
 * checked), the float model matches its PyTorch goldens, and the int8 variant
 * stays close to the float model on the same frame.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantizedOnGpuWarning } from '../../src/model/worker/f2dnet-engine.js';
import { loadManifest } from '../../src/model/manifest.js';
import { OnnxRestorer } from '../../src/model/onnx-restorer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FLOAT = path.join(ROOT, 'models', 'f2d-lite');
const INT8 = path.join(ROOT, 'models', 'f2d-lite-int8');
const BASE = path.join(ROOT, 'models', 'f2d-base');

interface Golden {
  width: number;
  height: number;
  input: Uint8Array;
  restored: Uint8Array;
}

async function golden(modelDir: string): Promise<Golden> {
  const m = JSON.parse(await readFile(path.join(modelDir, 'manifest.json'), 'utf8')) as { golden: { dir: string; width: number; height: number } };
  const dir = path.join(modelDir, m.golden.dir);
  return {
    width: m.golden.width,
    height: m.golden.height,
    input: new Uint8Array(await readFile(path.join(dir, 'input.u8'))),
    restored: new Uint8Array(await readFile(path.join(dir, 'restored.u8'))),
  };
}

function diffStats(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}

async function restoreWith(modelDir: string, g: Golden): Promise<Uint8Array> {
  const r = await OnnxRestorer.create({ modelDir, provider: 'cpu', threads: 1, parserInterval: 1 });
  try {
    return (await r.restore({ width: g.width, height: g.height, data: g.input.slice() })).frame.data;
  } finally {
    await r.close();
  }
}

describe('models/: the shipped restorers (real onnxruntime-node)', () => {
  // f2d-base stores its weights as float16 (export --half-storage); its graph casts them back.
  for (const [name, dir] of [['f2d-lite', FLOAT], ['f2d-base', BASE]] as const) {
    it(`${name} matches the PyTorch goldens its export wrote`, async () => {
      const g = await golden(dir);
      const out = await restoreWith(dir, g);
      assert.ok(diffStats(out, g.restored).max <= 1, `${name}'s restorer drifted from its PyTorch golden`);
    });
  }

  it('f2d-lite-int8 stays within a few levels of the float model on the same frame', async () => {
    const g = await golden(FLOAT);
    const out = await restoreWith(INT8, g);
    const d = diffStats(out, g.restored);
    // On this small synthetic frame int8 is 3.0 levels from float on average, 10 at most (the parser's global
    // weights move most on it); on the evaluation benchmark it costs 0.04 dB (see its manifest).
    assert.ok(d.mean <= 4, `int8 output differs from float by ${d.mean.toFixed(2)} levels on average`);
    assert.ok(d.max <= 16, `int8 output differs from float by up to ${d.max} levels`);
    // A quantized graph that lost its weights would still run; it would not be this close to the input's restoration.
    assert.ok(diffStats(out, g.input).mean > d.mean, 'int8 output is closer to the input than to the float restoration');
  });

  it('f2d-lite-int8 records how it was made and what it costs', async () => {
    const m = JSON.parse(await readFile(path.join(INT8, 'manifest.json'), 'utf8')) as {
      quantization: {
        graphs: Record<'parser' | 'restorer', { quantizedConvs: number }>;
        from: { model: string; parserSha256: string; restorerSha256: string };
        calibration: { split: string };
      };
      metrics: { mean: { restored: { psnr: number } } };
    };
    const float = JSON.parse(await readFile(path.join(FLOAT, 'manifest.json'), 'utf8')) as {
      files: { parser: { sha256: string }; restorer: { sha256: string } };
      metrics: { mean: { restored: { psnr: number } } };
    };
    assert.equal(m.quantization.from.model, 'f2d-lite');
    assert.equal(m.quantization.from.restorerSha256, float.files.restorer.sha256, 'f2d-lite changed: run npm run quantize again');
    assert.equal(m.quantization.from.parserSha256, float.files.parser.sha256, 'f2d-lite changed: run npm run quantize again');
    assert.equal(m.quantization.calibration.split, 'train', 'calibrate on training photos, never on the validation split');
    assert.ok(m.quantization.graphs.parser.quantizedConvs > 0 && m.quantization.graphs.restorer.quantizedConvs > 0);
    assert.ok(float.metrics.mean.restored.psnr - m.metrics.mean.restored.psnr < 0.5, 'int8 costs more than 0.5 dB: do not ship it');
  });

  it('f2d-lite-int8 on a GPU provider says to use the float model instead; on the CPU it says nothing', async () => {
    const int8 = (await loadManifest(INT8)).manifest;
    const [warning, ...more] = quantizedOnGpuWarning(int8, 'webgpu');
    assert.equal(more.length, 0);
    assert.match(warning ?? '', /int8 model made for the CPU.*--model f2d-lite with --provider webgpu/);
    assert.deepEqual(quantizedOnGpuWarning(int8, 'cpu'), []);
    assert.deepEqual(quantizedOnGpuWarning((await loadManifest(FLOAT)).manifest, 'webgpu'), []);
  });
});
