/**
 * A second, deliberately plain PSNR/SSIM (float values in [0,1], one loop per
 * window, two-pass mean and variance) to check src/eval/metrics.ts against.
 */
import type { RgbImage } from '../../src/eval/metrics.js';

export function naivePsnr(a: RgbImage, b: RgbImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i]! / 255 - b.data[i]! / 255) ** 2;
  return 10 * Math.log10(1 / Math.max(s / a.data.length, 1e-10));
}

export function naiveSsim(a: RgbImage, b: RgbImage, win = 7): number {
  const n = win * win;
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    let count = 0;
    for (let top = 0; top + win <= a.height; top++) {
      for (let left = 0; left + win <= a.width; left++) {
        const xs: number[] = [];
        const ys: number[] = [];
        for (let dy = 0; dy < win; dy++) {
          for (let dx = 0; dx < win; dx++) {
            const i = ((top + dy) * a.width + left + dx) * 3 + c;
            xs.push(a.data[i]! / 255);
            ys.push(b.data[i]! / 255);
          }
        }
        const ux = xs.reduce((p, v) => p + v, 0) / n;
        const uy = ys.reduce((p, v) => p + v, 0) / n;
        let vx = 0;
        let vy = 0;
        let vxy = 0;
        for (let k = 0; k < n; k++) {
          vx += (xs[k]! - ux) ** 2;
          vy += (ys[k]! - uy) ** 2;
          vxy += (xs[k]! - ux) * (ys[k]! - uy);
        }
        vx /= n - 1;
        vy /= n - 1;
        vxy /= n - 1;
        sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        count++;
      }
    }
    total += sum / count;
  }
  return total / 3;
}

/** Reproducible test pictures without the code under test: a 32-bit LCG. */
export function lcgImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, data };
}
