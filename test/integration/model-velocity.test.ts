/**
 * The velocity probe's graph (`velocity.onnx`, `f2d eval --diagnostics`) in
 * onnxruntime-node: parity with the PyTorch golden its export wrote (the f2d-tiny
 * fixture and the shipped f2d-lite), the worker path (noise, transport step,
 * padding) against an independent computation, lifecycle, and models without it.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { F2dError, InvalidStateError } from '../../src/errors.js';
import type { RgbFrame } from '../../src/frame.js';
import { verifySha256 } from '../../src/model/manifest.js';
import { OnnxRestorer } from '../../src/model/onnx-restorer.js';
import { OnnxVelocityProbe, velocityGraphStatus } from '../../src/model/onnx-velocity.js';
import { fillGaussian } from '../../src/model/prng.js';
import { paddedSize } from '../../src/model/tensor.js';
import * as ort from 'onnxruntime-node';
import { Resources } from '../helpers/resources.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'models', 'f2d-tiny');
const LITE = path.join(ROOT, 'models', 'f2d-lite');
const INT8 = path.join(ROOT, 'models', 'f2d-lite-int8');
const TMP = path.join(ROOT, 'test', '.tmp', 'model-velocity');

/** onnxruntime against PyTorch, both float32 (the weights are the same float16 values in both). */
const F32_TOL = 1e-4;
/** The target computed here in float64 against the graph's float32. */
const TARGET_TOL = 1e-5;

interface VelocityManifest {
  name: string;
  sizeMultiple: number;
  golden: { dir: string; width: number; height: number };
  files: { velocity: { path: string; sha256: string } };
  velocity: { kGrid: number[]; steps: number; sigmasScale: number; golden: { k: number; files: Record<string, string> } };
}

const readManifest = async (dir: string): Promise<VelocityManifest> => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as VelocityManifest;
const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length differs');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * The transport's tables m̄_k and s̄_k, written from docs/f2dnet-method.md §2 (not from
 * scripts/f2dnet/transport.py): cosine θ, linear σ² normalised to sigmasScale, dt such that
 * the mean log-multiplier at T is ln(0.001).
 */
function transportTables(sigmasScale: number, T: number): { logMean: number[]; logStd: number[] } {
  const s = 0.008;
  const f = Array.from({ length: T + 1 }, (_, k) => Math.cos(((k / T + s) / (1 + s)) * (Math.PI / 2)) ** 2);
  const theta = [0, ...Array.from({ length: T }, (_, j) => Math.min(1 - f[j + 1]! / f[j]!, 0.999))];
  const linear = Array.from({ length: T }, (_, j) => 0.001 + ((0.2 - 0.001) * j) / (T - 1));
  const total = linear.reduce((a, b) => a + b, 0);
  const sigma2 = [0, ...linear.map((v) => (sigmasScale === 0 ? 0 : (v / total) * sigmasScale))];
  const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);
  const dt = -Math.log(0.001) / (sum(theta) + 0.5 * sum(sigma2));
  const logMean: number[] = [];
  const logStd: number[] = [];
  let m = 0;
  let v = 0;
  for (let k = 0; k <= T; k++) {
    m += theta[k]! + sigma2[k]! / 2;
    v += sigma2[k]!;
    logMean.push(-dt * m);
    logStd.push(Math.sqrt(dt * v));
  }
  return { logMean, logStd };
}

/** A structured RGB24 frame. */
function scene(width: number, height: number, phase: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round(127 + 120 * Math.sin((x + phase) / 5));
      data[i + 1] = Math.round((255 * y) / (height - 1));
      data[i + 2] = (x * 7 + y * 3 + phase) % 256;
    }
  }
  return { width, height, data };
}

const copyOf = (f: RgbFrame): RgbFrame => ({ ...f, data: f.data.slice() });

describe('model: the velocity probe graph (real onnxruntime-node)', function () {
  this.timeout(120_000);
  const resources = new Resources();
  after(async () => {
    await resources.closeAll();
    await rm(TMP, { recursive: true, force: true });
  });

  for (const [label, dir] of [['the f2d-tiny fixture', FIXTURE], ['the shipped f2d-lite', LITE]] as const) {
    it(`${label}: velocity.onnx matches its PyTorch golden at k > 0`, async () => {
      const m = await readManifest(dir);
      const file = path.join(dir, m.files.velocity.path);
      await verifySha256(file, m.files.velocity.sha256, 'manifest.json');
      const gdir = path.join(dir, m.golden.dir);
      const g = m.velocity.golden;
      assert.ok(g.k > 0 && m.velocity.kGrid.includes(0));
      const read = async (name: string): Promise<Float32Array> => f32(await readFile(path.join(gdir, name)));
      const [h, w] = [m.golden.height, m.golden.width];
      const image = [1, 3, h, w];
      // A session of its own on this thread: the golden's float inputs go in as they are, where the
      // worker's probe takes 8-bit frames and draws its own noise (checked below).
      const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
      try {
        const out = await session.run({
          degraded: new ort.Tensor('float32', await read(g.files['degraded']!), image),
          clean: new ort.Tensor('float32', await read(g.files['clean']!), image),
          eps: new ort.Tensor('float32', await read(g.files['eps']!), image),
          k: new ort.Tensor('int64', BigInt64Array.of(BigInt(g.k)), [1]),
          maps: new ort.Tensor('float32', await read('maps.f32'), [1, 4, h / 4, w / 4]),
          weights: new ort.Tensor('float32', await read('weights.f32'), [1, 4]),
        });
        for (const name of ['velocity', 'target', 'alpha'] as const) {
          const want = await read(g.files[name]!);
          const d = maxAbsDiff(out[name]!.data as Float32Array, want);
          assert.ok(d <= F32_TOL, `${name} differs from the golden by ${d}`);
        }
        const velocity = out['velocity']!.data as Float32Array;
        assert.ok(velocity.some((v) => Math.abs(v) > 1e-3), 'a velocity that is not all zeros');
      } finally {
        await session.release();
      }
    });

    it(`${label}: at k = 0 the probe's network is the restorer's (x_0 + f is the restored frame, within a level)`, async () => {
      const m = await readManifest(dir);
      const input = new Uint8Array(await readFile(path.join(dir, m.golden.dir, 'input.u8')));
      const frame: RgbFrame = { width: m.golden.width, height: m.golden.height, data: input };
      const probe = await resources.add(OnnxVelocityProbe.create({ modelDir: dir, provider: 'cpu', threads: 1 }));
      const restorer = await resources.add(OnnxRestorer.create({ modelDir: dir, provider: 'cpu', threads: 1, parserInterval: 1 }));
      const [step] = await probe.probe(copyOf(frame), copyOf(scene(frame.width, frame.height, 3)), [0], [1]);
      const restored = (await restorer.restore(copyOf(frame))).frame.data;
      const plane = frame.width * frame.height;
      let worst = 0;
      for (let p = 0; p < plane; p++) {
        for (let c = 0; c < 3; c++) {
          const y = input[3 * p + c]! / 127.5 - 1;
          const level = Math.round((Math.min(Math.max(y + step!.velocity[c * plane + p]!, -1), 1) + 1) * 127.5);
          worst = Math.max(worst, Math.abs(level - restored[3 * p + c]!));
        }
      }
      assert.ok(worst <= 1, `x_0 + f differs from the restorer by up to ${worst} levels`);
      await probe.close();
      await restorer.close();
    });
  }

  describe('OnnxVelocityProbe on the f2d-tiny fixture (worker thread)', () => {
    let probe: OnnxVelocityProbe;
    before(async () => {
      probe = await resources.add(OnnxVelocityProbe.create({ modelDir: FIXTURE, provider: 'cpu', threads: 1 }));
    });

    it("reads the grid and noise strength of the manifest", async () => {
      const m = await readManifest(FIXTURE);
      assert.deepEqual(probe.kGrid, m.velocity.kGrid);
      assert.equal(probe.sigmasScale, m.velocity.sigmasScale);
      assert.equal(probe.modelName, 'f2d-tiny');
    });

    for (const [w, h] of [[64, 48], [50, 30]] as const) {
      it(`samples x_k from the seeded noise at every step (${w}x${h}${w % 16 === 0 && h % 16 === 0 ? '' : ', padded and cropped back'})`, async () => {
        const degraded = scene(w, h, 0);
        const clean = scene(w, h, 17);
        const seeds = probe.kGrid.map((k) => 1000 + k);
        const steps = await probe.probe(copyOf(degraded), copyOf(clean), probe.kGrid, seeds);
        assert.deepEqual(steps.map((s) => s.k), probe.kGrid);
        const { logMean, logStd } = transportTables(probe.sigmasScale, probe.steps);
        const p = paddedSize(w, h, 16);
        for (const [i, step] of steps.entries()) {
          assert.equal(step.velocity.length, 3 * w * h);
          assert.ok(Math.abs(step.alpha.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'the gate is a softmax');
          // μ − x_k = (μ − y)·exp(m̄_k + s̄_k ε), ε drawn at the padded size
          const eps = fillGaussian(new Float32Array(3 * p.width * p.height), seeds[i]!);
          let worst = 0;
          for (let c = 0; c < 3; c++) {
            for (let y = 0; y < h; y++) {
              for (let x = 0; x < w; x++) {
                const px = (y * w + x) * 3 + c;
                const mu = clean.data[px]! / 127.5 - 1;
                const yv = degraded.data[px]! / 127.5 - 1;
                const e = eps[c * p.width * p.height + y * p.width + x]!;
                const want = (mu - yv) * Math.exp(Math.min(Math.max(logMean[step.k]! + logStd[step.k]! * e, -20), 20));
                worst = Math.max(worst, Math.abs(step.target[c * w * h + y * w + x]! - want));
              }
            }
          }
          assert.ok(worst <= TARGET_TOL, `target at k = ${step.k} differs by ${worst}`);
        }
        const at = (k: number) => steps.find((s) => s.k === k)!;
        assert.ok(maxAbsDiff(at(0).velocity, at(50).velocity) > 1e-4, 'k reaches the network');
      });
    }

    it('refuses frames that differ in size and steps beyond T', async () => {
      await assert.rejects(probe.probe(scene(64, 48, 0), scene(48, 48, 0), [0], [1]), (e: unknown) => e instanceof F2dError && e.code === 'ERR_MODEL_FRAME_INVALID' && /64x48, the clean one 48x48/.test(e.message));
      await assert.rejects(probe.probe(scene(64, 48, 0), scene(64, 48, 0), [101], [1]), /step k = 101 is not an integer in \[0, 100\]/);
    });

    it('closes twice, and refuses work after close', async () => {
      const own = await OnnxVelocityProbe.create({ modelDir: FIXTURE, provider: 'cpu', threads: 1 });
      await own.close();
      await own.close();
      await assert.rejects(own.probe(scene(16, 16, 0), scene(16, 16, 0), [0], [0]), (e: unknown) => e instanceof InvalidStateError && e.code === 'ERR_MODEL_CLOSED');
    });
  });

  describe('models without the graph', () => {
    it('f2d-lite-int8: the status says why and names the float model to run it on', async () => {
      const s = await velocityGraphStatus(INT8);
      assert.equal(s.available, false);
      assert.match(s.available ? '' : s.reason, /model f2d-lite-int8 has no velocity graph .*quantized from f2d-lite.*--model f2d-lite/);
      assert.equal((await velocityGraphStatus(LITE)).available, true);
    });

    it('a model exported before the probe: still restores; the status says to re-export; the probe refuses it by name', async () => {
      const dir = path.join(TMP, 'old');
      await cp(FIXTURE, dir, { recursive: true });
      const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      delete m['files']!['velocity'];
      delete m['io']!['velocity'];
      delete m['velocity'];
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
      await rm(path.join(dir, 'velocity.onnx'));
      const s = await velocityGraphStatus(dir);
      assert.match(s.available ? '' : s.reason, /model f2d-tiny has no velocity graph .*exported before the probe existed: re-export it/);
      const restorer = await OnnxRestorer.create({ modelDir: dir, provider: 'cpu', threads: 1, parserInterval: 1 });
      try {
        assert.equal((await restorer.restore(scene(64, 48, 0))).frame.width, 64);
      } finally {
        await restorer.close();
      }
      await assert.rejects(OnnxVelocityProbe.create({ modelDir: dir, provider: 'cpu', threads: 1 }), (e: unknown) => e instanceof F2dError && e.code === 'ERR_MODEL_FILE_MISSING' && /lists no velocity graph/.test(e.message));
    });

    it('a velocity.onnx that is not the one its manifest lists is refused', async () => {
      const dir = path.join(TMP, 'tampered');
      await cp(FIXTURE, dir, { recursive: true });
      await writeFile(path.join(dir, 'velocity.onnx'), 'not a graph');
      await assert.rejects(OnnxVelocityProbe.create({ modelDir: dir, provider: 'cpu', threads: 1 }), (e: unknown) => e instanceof F2dError && e.code === 'ERR_MODEL_SHA_MISMATCH');
    });
  });
});
