import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MSE_FLOOR, mse, psnr, ssim, toneError, type RgbImage } from '../../src/eval/metrics.js';
import { lcgImage, naivePsnr, naiveSsim } from '../helpers/naive-metrics.js';
import { PYTHON, requires } from '../helpers/requires.js';

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

function filled(width: number, height: number, value: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = value(x, y, c);
  return { width, height, data };
}

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('eval/metrics', () => {
  describe('psnr', () => {
    it('is 20·log10(255) when every value is off by one level', () => {
      const a = filled(8, 8, () => 100);
      const b = filled(8, 8, () => 101);
      close(psnr(a, b), 20 * Math.log10(255), 1e-12, 'psnr');
      close(mse(a, b), 1 / 255 ** 2, 1e-18, 'mse');
    });

    it('is 0 dB between black and white, and 10·log10(2) when half the values are off by full range', () => {
      close(psnr(filled(4, 4, () => 0), filled(4, 4, () => 255)), 0, 1e-12, 'black/white');
      const half = psnr(filled(4, 4, () => 0), filled(4, 4, (x) => (x % 2 === 0 ? 0 : 255)));
      // half the values off by 1.0 → mse 0.5 → 10·log10(2)
      close(half, 10 * Math.log10(2), 1e-12, 'half wrong');
    });

    it('caps identical images at the MSE floor of scripts/f2dnet/metrics.py (100 dB)', () => {
      const a = lcgImage(9, 9, 1);
      assert.equal(psnr(a, a), 10 * Math.log10(1 / MSE_FLOOR));
    });

    it('names both sizes when they differ', () => {
      assert.throws(() => psnr(filled(4, 4, () => 0), filled(4, 5, () => 0)), /images differ in size: 4x4 and 4x5/);
      assert.throws(() => psnr({ width: 2, height: 2, data: new Uint8Array(11) }, filled(2, 2, () => 0)), /needs 12 bytes, got 11/);
    });
  });

  describe('toneError', () => {
    const scene = filled(16, 12, (x, y, c) => 40 + ((x * 7 + y * 13 + c * 29) % 150));

    it('sees a frame-wide shift as all of the error', () => {
      const brighter = filled(16, 12, (x, y, c) => scene.data[(y * 16 + x) * 3 + c]! + 10);
      const tone = toneError(brighter, scene);
      assert.equal(tone.biasLevels, 10);
      assert.equal(tone.rmsLevels, 10);
      assert.equal(tone.psnrWithReferenceMeans, 100); // nothing left once the means agree
      assert.ok(psnr(brighter, scene) < 30);
    });

    it('moves each channel on its own: a colour cast is a tone error too', () => {
      const cast = filled(16, 12, (x, y, c) => scene.data[(y * 16 + x) * 3 + c]! + [12, 0, -6][c]!);
      const tone = toneError(cast, scene);
      assert.equal(tone.biasLevels, 2);
      assert.ok(Math.abs(tone.rmsLevels - Math.sqrt((12 * 12 + 6 * 6) / 3)) < 1e-9, 'the cast counts whichever way each channel errs');
      assert.equal(tone.psnrWithReferenceMeans, 100);
    });

    it('leaves zero-mean detail errors alone, and never scores below psnr', () => {
      const noisy = filled(16, 12, (x, y, c) => scene.data[(y * 16 + x) * 3 + c]! + ((x + y) % 2 === 0 ? 8 : -8));
      const tone = toneError(noisy, scene);
      assert.ok(Math.abs(tone.biasLevels) < 0.5);
      assert.ok(tone.rmsLevels < 0.5);
      assert.ok(Math.abs(tone.psnrWithReferenceMeans - psnr(noisy, scene)) < 0.05);
      const other = lcgImage(16, 12, 5);
      assert.ok(toneError(other, scene).psnrWithReferenceMeans >= psnr(other, scene));
    });

    it('refuses pictures of different sizes', () => {
      assert.throws(() => toneError(filled(4, 4, () => 0), scene), /differ in size/);
    });
  });

  describe('ssim (skimage convention)', () => {
    it('is 1 for identical images', () => {
      const a = lcgImage(20, 13, 5);
      close(ssim(a, a), 1, 1e-12, 'ssim');
    });

    it('of two flat 7x7 images is (2ab + C1)/(a² + b² + C1) (no variance term)', () => {
      // black vs white: a = 0, b = 1
      close(ssim(filled(7, 7, () => 0), filled(7, 7, () => 255)), C1 / (1 + C1), 1e-15, 'black/white');
      const a = 51 / 255;
      const b = 204 / 255;
      close(ssim(filled(7, 7, () => 51), filled(7, 7, () => 204)), (2 * a * b + C1) / (a * a + b * b + C1), 1e-12, 'grey levels');
    });

    it('of a 7x7 checkerboard and its negative matches the hand-derived value', () => {
      // x: 25 whites of 49, y = 1 − x: 24 whites. ux = 25/49, uy = 24/49;
      // sample variances vx = vy = (49/48)(25/49 − 625/2401) = 600/2352, vxy = −vx.
      const x = filled(7, 7, (i, j) => ((i + j) % 2 === 0 ? 255 : 0));
      const y = filled(7, 7, (i, j) => ((i + j) % 2 === 0 ? 0 : 255));
      const ux = 25 / 49;
      const uy = 24 / 49;
      const v = 600 / 2352;
      const expected = ((2 * ux * uy + C1) * (-2 * v + C2)) / ((ux * ux + uy * uy + C1) * (2 * v + C2));
      close(ssim(x, y), expected, 1e-14, 'checkerboard');
      assert.ok(expected < 0, 'anti-correlated windows give a negative SSIM');
    });

    it('averages valid windows only, per channel, as a plain window-by-window loop does', () => {
      for (const [w, h] of [
        [7, 7],
        [9, 8],
        [23, 17],
      ] as const) {
        const a = lcgImage(w, h, w * 31 + h);
        const b = lcgImage(w, h, w * 17 + h + 1);
        close(ssim(a, b), naiveSsim(a, b), 1e-12, `${w}x${h}`);
        close(psnr(a, b), naivePsnr(a, b), 1e-12, `psnr ${w}x${h}`);
      }
    });

    it('sees only the valid windows: a change in a corner pixel touches one window of a 9x7 image', () => {
      const a = lcgImage(9, 7, 3);
      const b = { ...a, data: a.data.slice() };
      b.data[0] = 255 - b.data[0]!;
      // 3 windows in x, 1 in y; the pixel (0,0) lies only in the first.
      close(ssim(a, b), naiveSsim(a, b), 1e-12, 'corner');
      assert.ok(ssim(a, b) < 1);
    });

    it('refuses images under the 7x7 window', () => {
      assert.throws(() => ssim(filled(6, 9, () => 0), filled(6, 9, () => 0)), /smaller than the 7x7 SSIM window/);
    });
  });

  describe('against scripts/f2dnet/metrics.py (PyTorch)', function () {
    this.timeout(60_000);

    it('gives the same PSNR and SSIM on the same arrays', function () {
      requires(this, 'python3-torch');
      const a = lcgImage(40, 24, 11);
      const b = lcgImage(40, 24, 12);
      const dir = mkdtempSync(join(tmpdir(), 'f2d-metrics-'));
      try {
        writeFileSync(join(dir, 'a.u8'), a.data);
        writeFileSync(join(dir, 'b.u8'), b.data);
        const code = [
          'import json, sys, torch',
          'from f2dnet.metrics import psnr, ssim',
          'def load(p): return torch.frombuffer(bytearray(open(p, "rb").read()), dtype=torch.uint8).reshape(1, 24, 40, 3).permute(0, 3, 1, 2).double() / 255',
          'a, b = load(sys.argv[1]), load(sys.argv[2])',
          'print(json.dumps({"psnr": float(psnr(a, b)[0]), "ssim": float(ssim(a, b)[0])}))',
        ].join('\n');
        const r = spawnSync(PYTHON, ['-c', code, join(dir, 'a.u8'), join(dir, 'b.u8')], {
          cwd: resolve('scripts'),
          encoding: 'utf8',
          env: { ...process.env, OMP_NUM_THREADS: '1' },
        });
        assert.equal(r.status, 0, r.stderr);
        const py = JSON.parse(r.stdout) as { psnr: number; ssim: number };
        // metrics.py returns float32: compare at its precision.
        close(psnr(a, b), py.psnr, 1e-4, 'psnr');
        close(ssim(a, b), py.ssim, 1e-6, 'ssim');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
