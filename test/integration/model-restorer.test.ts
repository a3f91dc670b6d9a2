import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { F2dError, InvalidStateError } from '../../src/errors.js';
import { kWorker, OnnxRestorer } from '../../src/model/onnx-restorer.js';
import type { RestorerOptions } from '../../src/model/types.js';
import type { RgbFrame } from '../../src/frame.js';
import { Resources } from '../helpers/resources.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'models', 'f2d-tiny');
const TMP = path.join(ROOT, 'test', '.tmp', 'model-restorer');

/** Parity tolerances: rounding may flip a uint8 by one step; float maps agree to float32 noise. */
const U8_TOL = 1;
const F32_TOL = 1e-4;

interface Golden {
  width: number;
  height: number;
  input: Uint8Array;
  maps: Float32Array;
  weights: Float32Array;
  restored: Uint8Array;
  alpha: Float32Array;
}

async function readGolden(): Promise<Golden> {
  const manifest = JSON.parse(await readFile(path.join(FIXTURE, 'manifest.json'), 'utf8')) as {
    golden: { dir: string; width: number; height: number };
  };
  const dir = path.join(FIXTURE, manifest.golden.dir);
  const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return {
    width: manifest.golden.width,
    height: manifest.golden.height,
    input: new Uint8Array(await readFile(path.join(dir, 'input.u8'))),
    maps: f32(await readFile(path.join(dir, 'maps.f32'))),
    weights: f32(await readFile(path.join(dir, 'weights.f32'))),
    restored: new Uint8Array(await readFile(path.join(dir, 'restored.u8'))),
    alpha: f32(await readFile(path.join(dir, 'alpha.f32'))),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length differs');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A fresh copy of the pixels: restore() takes ownership of the buffer it is given. */
const frameOf = (w: number, h: number, data: Uint8Array): RgbFrame => ({ width: w, height: h, data: data.slice() });

/** The frame mirrored left-right. */
function mirror(data: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out.set(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3), (y * width + width - 1 - x) * 3);
  }
  return out;
}

function options(extra: Partial<RestorerOptions> = {}): RestorerOptions {
  return { modelDir: FIXTURE, provider: 'cpu', threads: 1, parserInterval: 1, ...extra };
}

/** Edge-replication padding written independently of src/model/tensor.ts. */
function padReference(src: Uint8Array, w: number, h: number, pw: number, ph: number): Uint8Array {
  const out = new Uint8Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const s = (Math.min(y, h - 1) * w + Math.min(x, w - 1)) * 3;
      out.set(src.subarray(s, s + 3), (y * pw + x) * 3);
    }
  }
  return out;
}

function expectCode(code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof F2dError, `expected F2dError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('model/OnnxRestorer on the f2d-tiny fixture (real onnxruntime-node, worker thread)', function () {
  let golden: Golden;
  let restorer: OnnxRestorer;
  const resources = new Resources();

  before(async function () {
    golden = await readGolden();
    restorer = await resources.add(OnnxRestorer.create(options()));
  });
  after(async () => {
    await resources.closeAll();
    await rm(TMP, { recursive: true, force: true });
  });

  it('matches the PyTorch goldens: maps, weights and restored frame', async () => {
    const r = await restorer.restore(frameOf(golden.width, golden.height, golden.input), { reparse: true });
    assert.equal(r.frame.width, golden.width);
    assert.equal(r.frame.height, golden.height);
    assert.ok(r.parserRan);
    assert.ok(r.maps !== undefined);
    assert.deepEqual([r.maps.width, r.maps.height], [golden.width / restorer.mapsScale, golden.height / restorer.mapsScale]);
    assert.ok(maxAbsDiff(r.maps.data, golden.maps) <= F32_TOL, `maps differ by ${maxAbsDiff(r.maps.data, golden.maps)}`);
    assert.ok(maxAbsDiff(r.weights ?? [], golden.weights) <= F32_TOL, `weights differ by ${maxAbsDiff(r.weights ?? [], golden.weights)}`);
    assert.ok(r.gate !== undefined, 'the restorer reports the gate its graph outputs');
    assert.ok(maxAbsDiff(r.gate, golden.alpha) <= F32_TOL, `gate differs by ${maxAbsDiff(r.gate, golden.alpha)}`);
    const d = maxAbsDiff(r.frame.data, golden.restored);
    assert.ok(d <= U8_TOL, `restored differs from the golden by up to ${d}`);
    assert.deepEqual(r.input?.data, golden.input, 'the input buffer comes back intact');
  });

  it('parse() alone gives the golden maps and weights', async () => {
    const p = await restorer.parse(frameOf(golden.width, golden.height, golden.input));
    assert.ok(maxAbsDiff(p.maps.data, golden.maps) <= F32_TOL);
    assert.ok(maxAbsDiff(p.weights, golden.weights) <= F32_TOL);
  });

  it('transfers the input buffer instead of copying it', async () => {
    const f = frameOf(golden.width, golden.height, golden.input);
    const pending = restorer.restore(f);
    assert.equal(f.data.byteLength, 0, 'the caller gave the buffer away');
    const r = await pending;
    assert.equal(r.input?.data.byteLength, golden.input.byteLength);
  });

  it('pads odd sizes by edge replication and crops back', async () => {
    const [w, h] = [golden.width - 3, golden.height - 5];
    const odd = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) odd.set(golden.input.subarray(y * golden.width * 3, (y * golden.width + w) * 3), y * w * 3);
    const r = await restorer.restore(frameOf(w, h, odd));
    assert.deepEqual([r.frame.width, r.frame.height, r.frame.data.length], [w, h, w * h * 3]);
    assert.deepEqual([r.maps?.width, r.maps?.height], [Math.ceil(w / restorer.mapsScale), Math.ceil(h / restorer.mapsScale)]);
    // The same frame padded by hand to the model size must give the same pixels inside the crop.
    const full = await restorer.restore(frameOf(golden.width, golden.height, padReference(odd, w, h, golden.width, golden.height)));
    for (let y = 0; y < h; y++) {
      const a = r.frame.data.subarray(y * w * 3, (y + 1) * w * 3);
      const b = full.frame.data.subarray(y * golden.width * 3, y * golden.width * 3 + w * 3);
      assert.deepEqual(a, b, `row ${y} differs`);
    }
  });

  it('reuses parser outputs between parserInterval frames, and reparses on request or size change', async () => {
    const r3 = await OnnxRestorer.create(options({ parserInterval: 3 }));
    try {
      const f = (): RgbFrame => frameOf(golden.width, golden.height, golden.input);
      const ran: boolean[] = [];
      for (let i = 0; i < 4; i++) ran.push((await r3.restore(f())).parserRan ?? false);
      assert.deepEqual(ran, [true, false, false, true]);
      const reused = await r3.restore(f());
      assert.equal(reused.parserRan, false);
      assert.equal(reused.maps, undefined);
      assert.ok(maxAbsDiff(reused.frame.data, golden.restored) <= U8_TOL, 'reused maps of the same frame give the same output');
      assert.equal((await r3.restore(f(), { reparse: true })).parserRan, true);
      const pipelined = await Promise.all([r3.restore(f()), r3.restore(f()), r3.restore(f())]);
      assert.deepEqual(
        pipelined.map((r) => r.parserRan),
        [false, false, true],
        'calls sent back to back follow the interval too',
      );
      const small = frameOf(16, 16, golden.input.subarray(0, 16 * 16 * 3));
      assert.equal((await r3.restore(small)).parserRan, true, 'a new frame size forces the parser');
    } finally {
      await r3.close();
    }
  });

  it('reparses on a scene cut when sceneCutThreshold is set', async () => {
    const rc = await OnnxRestorer.create(options({ parserInterval: 1000, sceneCutThreshold: 10 }));
    try {
      const same = (): RgbFrame => frameOf(golden.width, golden.height, golden.input);
      const inverted = golden.input.map((v) => 255 - v);
      const ran: boolean[] = [];
      for (const f of [same(), same(), frameOf(golden.width, golden.height, inverted), same()]) {
        ran.push((await rc.restore(f)).parserRan ?? false);
      }
      assert.deepEqual(ran, [true, false, true, true]);
    } finally {
      await rc.close();
    }
  });

  it('restores in tiles with the whole-frame parser weights', async () => {
    const tiled = await OnnxRestorer.create(options({ tileSize: 32, tileOverlap: 8 }));
    try {
      const r = await tiled.restore(frameOf(golden.width, golden.height, golden.input));
      assert.deepEqual([r.frame.width, r.frame.height], [golden.width, golden.height]);
      assert.ok(maxAbsDiff(r.weights ?? [], golden.weights) <= F32_TOL, 'tiles reuse the global weights');
      assert.ok(r.gate !== undefined && Math.abs(r.gate.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'the gate is the mean over tiles, still summing to 1');
    } finally {
      await tiled.close();
    }
  });

  it('ensemble: the mean of the frame and its mirror image restored, each view with its own parser run', async () => {
    const { width, height, input } = golden;
    const mirrored = mirror(input, width, height);
    const plain = (await restorer.restore(frameOf(width, height, input), { reparse: true })).frame.data;
    const back = mirror((await restorer.restore(frameOf(width, height, mirrored), { reparse: true })).frame.data, width, height);
    const two = await OnnxRestorer.create(options({ ensemble: 2 }));
    try {
      const r = await two.restore(frameOf(width, height, input));
      const want = plain.map((v, i) => Math.floor((v + back[i]! + 1) / 2));
      assert.ok(maxAbsDiff(r.frame.data, want) <= U8_TOL, `differs from the mean of both by ${maxAbsDiff(r.frame.data, want)}`);
      assert.ok(maxAbsDiff(r.frame.data, plain) > U8_TOL, 'the mirror view changed the output');
      assert.ok(maxAbsDiff(r.weights ?? [], golden.weights) <= F32_TOL, "the weights reported are the frame's own");
      assert.ok(r.timings['ensemble'] !== undefined);
    } finally {
      await two.close();
    }
  });

  it('ensemble of 4 on an odd-sized frame, tiled, keeps its size; 3 views are refused', async () => {
    const four = await OnnxRestorer.create(options({ ensemble: 4, tileSize: 32, tileOverlap: 8 }));
    try {
      const [w, h] = [golden.width - 3, golden.height - 5];
      const odd = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) odd.set(golden.input.subarray(y * golden.width * 3, (y * golden.width + w) * 3), y * w * 3);
      const r = await four.restore(frameOf(w, h, odd));
      assert.deepEqual([r.frame.width, r.frame.height, r.frame.data.length], [w, h, w * h * 3]);
    } finally {
      await four.close();
    }
    await assert.rejects(OnnxRestorer.create(options({ ensemble: 3 as unknown as 2 })), expectCode('ERR_CONFIG_INVALID', /ensemble = 3.*1, 2, 4/));
  });

  it('accepts allowSpinning: true and still matches the golden', async () => {
    const r = await OnnxRestorer.create(options({ allowSpinning: true, threads: 2 }));
    try {
      const out = await r.restore(frameOf(golden.width, golden.height, golden.input));
      assert.ok(maxAbsDiff(out.frame.data, golden.restored) <= U8_TOL);
    } finally {
      await r.close();
    }
  });

  it('rejects a frame of the wrong byte length without killing the worker', async () => {
    await assert.rejects(
      restorer.restore({ width: 10, height: 10, data: new Uint8Array(10) }),
      (err: unknown) => expectCode('ERR_MODEL_FRAME_INVALID', /10x10 has 10 bytes; packed RGB24 needs 300/)(err) && !(err as F2dError).fatal,
    );
    const r = await restorer.restore(frameOf(golden.width, golden.height, golden.input));
    assert.ok(maxAbsDiff(r.frame.data, golden.restored) <= U8_TOL);
  });

  it("falls back to cpu with a clear warning when 'cuda' cannot load", async function () {
    const warnings: string[] = [];
    const r = await OnnxRestorer.create(options({ provider: 'cuda', onWarning: (w) => warnings.push(w) }));
    try {
      if (r.provider === 'cuda') this.skip(); // a CUDA-capable machine: nothing to fall back from
      assert.equal(r.provider, 'cpu');
      assert.equal(warnings.length, 1, 'one warning, not one per graph');
      assert.match(warnings[0]!, /execution provider 'cuda' failed to load for .*parser\.onnx \(.+\); falling back to 'cpu'/);
      // The fix it names works with this repository's .npmrc (onnxruntime-node-install=skip), which a plain `npm install` obeys.
      assert.match(warnings[0]!, /CUDA runtime .* and cuDNN 9 libraries on the library path \(`f2d doctor` names what is missing\)(, and onnxruntime-node's CUDA provider.*`npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12`|\.)/);
      assert.deepEqual(r.warnings, warnings);
      const out = await r.restore(frameOf(golden.width, golden.height, golden.input));
      assert.ok(maxAbsDiff(out.frame.data, golden.restored) <= U8_TOL);
    } finally {
      await r.close();
    }
  });

  it("falls back to cpu with a clear warning when 'webgpu' finds no adapter", async function () {
    const warnings: string[] = [];
    const r = await OnnxRestorer.create(options({ provider: 'webgpu', onWarning: (w) => warnings.push(w) }));
    try {
      if (r.provider === 'webgpu') this.skip(); // a Vulkan adapter is present: nothing to fall back from
      assert.equal(r.provider, 'cpu');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /execution provider 'webgpu' failed to load .*falling back to 'cpu'.*Vulkan adapter/);
    } finally {
      await r.close();
    }
  });

  describe('loading errors', () => {
    it('reports a missing model directory from the worker as a typed error', async () => {
      await assert.rejects(
        OnnxRestorer.create(options({ modelDir: path.join(TMP, 'absent') })),
        expectCode('ERR_MODEL_NOT_FOUND', /absent.*manifest\.json/),
      );
    });

    it('names both lists when a graph does not match the manifest', async () => {
      const dir = path.join(TMP, 'swapped');
      await cp(FIXTURE, dir, { recursive: true });
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
        files: Record<string, { path: string; sha256: string }>;
      };
      manifest.files['restorer'] = { ...manifest.files['parser']! };
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
      await assert.rejects(
        OnnxRestorer.create(options({ modelDir: dir })),
        expectCode(
          'ERR_MODEL_IO_MISMATCH',
          /manifest inputs \[image, maps, weights\], session inputs \[image\]; manifest outputs \[restored, alpha\], session outputs \[maps, weights\]/,
        ),
      );
    });

    it('rejects bad options before starting a worker', async () => {
      await assert.rejects(OnnxRestorer.create(options({ parserInterval: 0 })), expectCode('ERR_CONFIG_INVALID', /parserInterval = 0/));
      await assert.rejects(
        OnnxRestorer.create(options({ provider: 'tpu' as unknown as 'cpu' })),
        expectCode('ERR_CONFIG_INVALID', /provider = "tpu".*'cpu', 'cuda', 'webgpu'/),
      );
      await assert.rejects(OnnxRestorer.create(options({ tileSize: 16, tileOverlap: 8 })), expectCode('ERR_CONFIG_INVALID', /tileSize = 16/));
      await assert.rejects(
        OnnxRestorer.create(options({ tileSize: 40, tileOverlap: 12 })),
        expectCode('ERR_CONFIG_INVALID', /tileSize 40 \(used as 32, a multiple of the model's size multiple 16\) leaves no room for model\.tileOverlap 12/),
      );
    });
  });

  describe('lifecycle', () => {
    it('closes twice without error and refuses use after close', async () => {
      const r = await OnnxRestorer.create(options());
      await Promise.all([r.close(), r.close()]);
      await r.close();
      await assert.rejects(r.restore(frameOf(golden.width, golden.height, golden.input)), (err: unknown) => {
        assert.ok(err instanceof InvalidStateError);
        assert.equal(err.code, 'ERR_MODEL_CLOSED');
        assert.match(err.message, /restore\(\) called after close\(\)/);
        return true;
      });
      await assert.rejects(r.parse(frameOf(golden.width, golden.height, golden.input)), expectCode('ERR_MODEL_CLOSED'));
    });

    it('closes through Symbol.asyncDispose', async () => {
      const r = await OnnxRestorer.create(options());
      await r[Symbol.asyncDispose]();
      await assert.rejects(r.restore(frameOf(golden.width, golden.height, golden.input)), expectCode('ERR_MODEL_CLOSED'));
    });

    it('finishes requests already sent before closing', async () => {
      const r = await OnnxRestorer.create(options());
      const inflight = r.restore(frameOf(golden.width, golden.height, golden.input));
      const closed = r.close();
      const out = await inflight;
      await closed;
      assert.ok(maxAbsDiff(out.frame.data, golden.restored) <= U8_TOL);
    });

    it('turns a worker that dies mid-request into an error, not a hang', async () => {
      const r = await OnnxRestorer.create(options());
      // A large frame keeps the worker busy for far longer than terminate() takes to land;
      // with the small golden frame the reply could arrive first and the test would race.
      const big = { width: 1920, height: 1080, data: new Uint8Array(1920 * 1080 * 3) };
      const inflight = r.restore(big);
      await r[kWorker].terminate();
      await assert.rejects(inflight, expectCode('ERR_MODEL_WORKER_EXIT', /the model worker stopped while running the restorer/));
      await assert.rejects(r.restore(frameOf(golden.width, golden.height, golden.input)), expectCode('ERR_MODEL_WORKER_EXIT'));
      await r.close();
      await r.close();
    });
  });

  describe('from the compiled dist/ build', () => {
    it('starts the .js worker and matches the golden', async function () {
      const entry = path.join(ROOT, 'dist', 'model', 'onnx-restorer.js');
      if (!existsSync(entry)) this.skip(); // `npm test` builds first; a bare mocha run may not have dist/
      const script = `
        import { OnnxRestorer } from ${JSON.stringify(new URL(`file://${entry}`).href)};
        import { readFile } from 'node:fs/promises';
        const dir = process.argv[1];
        const input = new Uint8Array(await readFile(dir + '/golden/input.u8'));
        const r = await OnnxRestorer.create({ modelDir: dir, provider: 'cpu', threads: 1, parserInterval: 1 });
        const out = await r.restore({ width: ${golden.width}, height: ${golden.height}, data: input });
        await r.close();
        process.stdout.write(Buffer.from(out.frame.data).toString('base64'));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, FIXTURE], {
        maxBuffer: 1 << 24,
      });
      assert.ok(maxAbsDiff(new Uint8Array(Buffer.from(stdout, 'base64')), golden.restored) <= U8_TOL);
    });
  });
});
