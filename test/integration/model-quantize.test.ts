/**
 * `npm run quantize` end to end on the f2d-tiny fixture: the Python probe and
 * QDQ rewrite, calibration in onnxruntime-node on synthesised weather over a
 * small photo folder, and the int8 model loading through the product's
 * restorer with outputs close to the float model's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeImage } from '../../src/media/index.js';
import { OnnxRestorer } from '../../src/model/onnx-restorer.js';
import { requires } from '../helpers/requires.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'models', 'f2d-tiny');
const TMP = path.join(ROOT, 'test', '.tmp', 'model-quantize');

/** A few structured "photos" (gradients and blocks) and the manifest `npm run photos` would write. */
async function writePhotos(dir: string): Promise<void> {
  const photos = [];
  for (let k = 0; k < 4; k++) {
    const w = 96;
    const h = 72;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        data[o] = (x * 255) / w;
        data[o + 1] = (y * 255) / h;
        data[o + 2] = ((x >> 3) + (y >> 3) + k) % 2 ? 200 : 40;
      }
    }
    await mkdir(path.join(dir, 'train'), { recursive: true });
    await writeImage(path.join(dir, 'train', `p${k}.png`), { width: w, height: h, data }, { jpegQuality: 95, webpQuality: 95 });
    photos.push({ file: `train/p${k}.png`, split: 'train' });
  }
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ photos }));
}

describe('npm run quantize: int8 QDQ restorer from the f2d-tiny fixture', function () {
  this.timeout(120_000);
  before(async function () {
    // The probe and QDQ rewrite are Python (scripts/f2dnet/quantize.py).
    requires(this, 'python3-onnx', 'python3-numpy');
    await rm(TMP, { recursive: true, force: true });
    await writePhotos(path.join(TMP, 'photos'));
  });
  after(() => rm(TMP, { recursive: true, force: true }));

  it('probes, calibrates, builds, and the result restores close to the float model', async () => {
    const out = path.join(TMP, 'f2d-tiny-int8');
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/quantize.ts', '--model', FIXTURE, '--out', out, '--photos', path.join(TMP, 'photos'), '--frames', '4', '--width', '64', '--height', '48'],
      { cwd: ROOT },
    );
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as {
      name: string;
      golden?: unknown;
      velocity?: unknown;
      files: Record<string, unknown>;
      io: Record<string, unknown>;
      quantization: { graphs: Record<'parser' | 'restorer', { quantizedConvs: number }>; calibration: { frames: number; images: string[] } };
    };
    assert.equal(manifest.name, 'f2d-tiny-int8');
    assert.equal(manifest.golden, undefined, 'the PyTorch goldens are the float model: they do not travel');
    // Nor does the velocity probe, which the fixture has: it measures the float network.
    assert.deepEqual([manifest.velocity, manifest.files['velocity'], manifest.io['velocity']], [undefined, undefined, undefined]);
    assert.ok(manifest.quantization.graphs.restorer.quantizedConvs > 5);
    assert.ok(manifest.quantization.graphs.parser.quantizedConvs > 2);
    assert.equal(manifest.quantization.calibration.frames, 4);
    assert.match(manifest.quantization.calibration.images[0]!, /^p0:/);

    const goldenDir = path.join(FIXTURE, 'golden');
    const input = new Uint8Array(await readFile(path.join(goldenDir, 'input.u8')));
    const floatOut = new Uint8Array(await readFile(path.join(goldenDir, 'restored.u8')));
    const r = await OnnxRestorer.create({ modelDir: out, provider: 'cpu', threads: 1, parserInterval: 1 });
    try {
      const q = (await r.restore({ width: 64, height: 48, data: input.slice() })).frame.data;
      let sum = 0;
      for (let i = 0; i < q.length; i++) sum += Math.abs(q[i]! - floatOut[i]!);
      const mean = sum / q.length;
      assert.ok(mean <= 4, `int8 differs from float by ${mean.toFixed(2)} levels on average`);
    } finally {
      await r.close();
    }
  });

  it('recording metrics refuses a report of another model', async () => {
    const report = path.join(TMP, 'eval.json');
    await writeFile(report, JSON.stringify({ model: { name: 'someone-else' } }));
    await assert.rejects(
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/quantize.ts', '--out', path.join(TMP, 'f2d-tiny-int8'), '--metrics', report], { cwd: ROOT }),
      (err: { stderr: string }) => /scores model someone-else, not f2d-tiny-int8/.test(err.stderr),
    );
  });
});
