/**
 * Opening onnxruntime sessions: execution-provider choice with a CPU
 * fallback, and the session options every graph here shares.
 *
 * Only this file and the worker-side engine touch onnxruntime-node; the
 * main thread never loads it (its `run()` blocks the event loop).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { F2dError } from '../../errors.js';
import type { ExecutionProvider } from '../types.js';

/** Session settings taken from the config. */
export interface SessionSettings {
  /** Requested execution provider; `cpu` is always available. */
  readonly provider: ExecutionProvider;
  /** Intra-op threads (0 = onnxruntime's default, one per core). */
  readonly threads: number;
  /**
   * Let idle intra-op threads spin-wait for the next job (onnxruntime's own default).
   * Off by default here: with 2 threads on a 2-core machine shared with other work,
   * the f2d-tiny restorer at 640x360 took 21-22 ms a frame with spinning off against
   * 83-93 ms with it on (test/bench/model-bench.ts --spin 0|1); with 1 thread it makes
   * no difference.
   */
  readonly allowSpinning?: boolean;
}

/** An opened session and the provider it really runs on. */
export interface OpenedSession {
  readonly session: ort.InferenceSession;
  readonly provider: ExecutionProvider;
  /** Human-readable warnings, e.g. the fallback from `cuda` to `cpu`. */
  readonly warnings: readonly string[];
}

/** Providers this onnxruntime-node build knows about (bundled or loadable). */
export function availableProviders(): readonly string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/** The session options every graph here is opened with (exported for the benchmark's option sweeps). */
export function sessionOptions(provider: ExecutionProvider, settings: SessionSettings): ort.InferenceSession.SessionOptions {
  const { threads, allowSpinning } = settings;
  return {
    executionProviders: [provider],
    // One graph at a time per worker; intra-op threads do the parallel work.
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    // Frames of one stream keep their shape, so the planned allocation pattern is reused.
    enableMemPattern: true,
    // 3 = errors only; provider load failures come back as exceptions we report ourselves.
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: allowSpinning === true ? '1' : '0' } } },
  };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

/** Where onnxruntime-node keeps its native libraries for this platform; its install script adds the CUDA provider there. */
export function nativeLibDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(dirname(main)), 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Why cuda may not load, and the fix. The CUDA provider libraries are not in
 * the npm package: onnxruntime-node's install script downloads them from
 * NuGet, unless told to skip (`onnxruntime-node-install=skip`, as this
 * repository's .npmrc says so that `npm install` works offline).
 */
function cudaHint(): string {
  // The CUDA major follows the provider's build (the 1.29.0 release: CUDA 13); f2d doctor reads it from the library.
  const runtime =
    'cuda needs an NVIDIA GPU with the CUDA runtime (of the major its provider was built for) and cuDNN 9 libraries on the library path ' +
    '(`f2d doctor` names what is missing)';
  if (existsSync(join(nativeLibDir(), 'libonnxruntime_providers_cuda.so'))) return `${runtime}.`;
  return (
    `${runtime}, and onnxruntime-node's CUDA provider, which is not installed (an install with onnxruntime-node-install=skip, ` +
    "as in this repository's .npmrc, leaves it out): `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12` " +
    'downloads it from NuGet (offline: see "GPU" in the README).'
  );
}

/**
 * Opens one ONNX graph. When `provider` is not `cpu` and fails to load (no
 * GPU, missing CUDA libraries, no WebGPU adapter), falls back to `cpu` and
 * says so in `warnings`.
 *
 * @param file - absolute path of the `.onnx` file.
 * @param settings - provider and thread count.
 * @returns the session and the provider actually used.
 * @throws {F2dError} ERR_MODEL_LOAD when even the CPU provider cannot open the file.
 * @example
 * const { session, provider, warnings } = await openSession('/m/restorer.onnx', { provider: 'cuda', threads: 2 });
 */
export async function openSession(file: string, settings: SessionSettings): Promise<OpenedSession> {
  // onnxruntime prints provider-load failures to stderr itself; they reach the user as our warning instead.
  // Errors that matter surface as exceptions, so only fatal native logs are kept.
  ort.env.logLevel = 'fatal';
  const warnings: string[] = [];
  if (settings.provider !== 'cpu') {
    try {
      const session = await ort.InferenceSession.create(file, sessionOptions(settings.provider, settings));
      return { session, provider: settings.provider, warnings };
    } catch (err) {
      const known = availableProviders();
      warnings.push(
        `execution provider '${settings.provider}' failed to load for ${file} (${firstLine(err)}); ` +
          `falling back to 'cpu'. onnxruntime-node lists [${known.join(', ')}]; ` +
          (settings.provider === 'cuda'
            ? cudaHint()
            : 'webgpu needs a Vulkan adapter (a GPU driver, or Mesa lavapipe >= 25).') +
          ' Set provider to cpu to silence this warning.',
      );
    }
  }
  try {
    const session = await ort.InferenceSession.create(file, sessionOptions('cpu', settings));
    return { session, provider: 'cpu', warnings };
  } catch (cause) {
    throw new F2dError('ERR_MODEL_LOAD', 'model', `onnxruntime cannot load ${file}: ${firstLine(cause)}`, {
      hint: 'the file is not a valid ONNX graph for this onnxruntime version (1.30); re-export it with the export script',
      cause,
    });
  }
}

export { ort };
