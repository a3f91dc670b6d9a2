/**
 * Seeded random numbers for the weather synthesis and the velocity probe: pure,
 * no onnxruntime, so the CLI and the benchmark can derive seeds and tests can
 * check determinism.
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

/**
 * Fills `out` with standard normal floats (mean 0, variance 1) from seed `seed`:
 * Box-Muller on the mulberry32 stream of {@link fillUniform}, taken in double
 * precision (a float32 uniform can round up to 1, whose logarithm has no pair).
 * The velocity probe's noise ε of `f2d eval --diagnostics`.
 *
 * @returns `out`
 * @example
 * const eps = fillGaussian(new Float32Array(3 * width * height), mixSeed(itemSeed, k));
 */
export function fillGaussian(out: Float32Array, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 - u lies in (0, 1]
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
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
