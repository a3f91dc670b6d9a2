/**
 * Seeded random numbers for the weather synthesis: pure, no onnxruntime, so
 * the CLI and the benchmark can derive seeds and tests can check determinism.
 */

/**
 * Fills `out` with uniform [0,1) floats from mulberry32 seeded with `seed`
 * (a tiny, fast, well-distributed 32-bit PRNG). Filling the synthesis noise
 * fields this way costs a few ms at 720p, far below the graph.
 *
 * @returns `out`
 * @example
 * const params = fillUniform(new Float32Array(16), 42);
 */
export function fillUniform(out: Float32Array, seed: number): Float32Array {
  let a = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

/** The 32-bit finaliser of MurmurHash3: every input bit flips about half of the output bits. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Derives one 32-bit seed from several integers (a base seed, a photo index, a
 * configuration index, a frame index…). Neighbouring inputs give unrelated
 * seeds, so `base + i` style collisions between mulberry32 streams cannot occur.
 *
 * @example
 * const seed = mixSeed(baseSeed, photoIndex, configIndex);
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    if (!Number.isInteger(p)) throw new RangeError(`mixSeed takes integers, got ${p}`);
    h = fmix32((h ^ fmix32(p >>> 0)) + 0x9e3779b9);
  }
  return h;
}
