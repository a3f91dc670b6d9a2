/**
 * {@link RestorerPool}: several model workers restoring different frames at
 * once (frame-level parallelism, vs-mlrt's `num_streams`), for file
 * restoration where throughput matters more than one frame's latency.
 *
 * Why: onnxruntime splits each operator of one run across its intra-op
 * threads and waits for the slowest; on 2 cores, small frames and the
 * decode/encode work sharing those cores leave much of that time idle.
 * Two single-threaded sessions on alternate frames keep both cores busy:
 * f2d-lite at 640x360 gave 34 fps with 1 stream x 2 threads and 39 fps with
 * 2 streams x 1 thread (f2d-lite-int8: 43 and 60), model alone through the
 * workers. At 1920x1080 the gain is gone (3.9 and 4.0 fps) and the second
 * session's activations took peak memory from 0.8 to 1.4 GiB, so `streams: 0`
 * (automatic) uses one stream above 1280x720.
 *
 * The workers start on the first frame, when its size is known; the model
 * directory is checked up front so a wrong path fails before any decoding.
 */
import { availableParallelism } from 'node:os';
import { F2dError, InvalidStateError } from '../errors.js';
import { loadManifest } from './manifest.js';
import { OnnxRestorer } from './onnx-restorer.js';
import { streamInterval } from './parser-schedule.js';
import type { FrameRestorer, ParseResult, RestoreOptions, RestoreResult, RestorerOptions } from './types.js';
import type { RgbFrame } from '../frame.js';

/** Largest frame (pixels) automatic mode runs several streams on. */
export const AUTO_STREAMS_MAX_PIXELS = 1280 * 720;

export interface PoolOptions extends RestorerOptions {
  /** Sessions restoring frames concurrently; 0 = automatic (see {@link planStreams}). */
  readonly streams: number;
  /** Cores to plan for (default: `os.availableParallelism()`). */
  readonly cores?: number;
}

/** How many streams and how many threads each, for a frame of `pixels`. */
export function planStreams(o: { streams: number; threads: number; provider: string; cores: number }, pixels: number): { streams: number; threadsPerStream: number } {
  let streams = o.streams;
  if (streams === 0) {
    // One GPU serves one session best; big frames gain nothing and double the memory.
    streams = o.provider !== 'cpu' || pixels > AUTO_STREAMS_MAX_PIXELS ? 1 : Math.min(2, o.cores);
  }
  streams = Math.max(1, streams);
  // `threads` is the budget for the whole pool (0 = one per core), shared among the streams.
  const threadsPerStream = Math.max(1, Math.floor((o.threads > 0 ? o.threads : o.cores) / streams));
  return { streams, threadsPerStream };
}

export class RestorerPool implements FrameRestorer {
  private readonly options: PoolOptions;
  private readonly cores: number;
  private members: OnnxRestorer[] | null = null;
  private starting: Promise<OnnxRestorer[]> | null = null;
  private next = 0;
  private closed = false;
  private started: { streams: number; threadsPerStream: number } | null = null;

  private constructor(options: PoolOptions) {
    this.options = options;
    this.cores = options.cores ?? availableParallelism();
  }

  /**
   * Checks the model directory and returns a pool whose workers start on the first frame.
   *
   * @throws {F2dError} the manifest errors of {@link loadManifest}; ERR_CONFIG_INVALID for a negative stream count
   */
  static async create(options: PoolOptions): Promise<RestorerPool> {
    if (!Number.isInteger(options.streams) || options.streams < 0) {
      throw new F2dError('ERR_CONFIG_INVALID', 'config', `model.streams must be an integer >= 0 (0 = automatic), got ${options.streams}`);
    }
    await loadManifest(options.modelDir);
    return new RestorerPool(options);
  }

  /** Frames worth keeping in flight: the streams once started, else the configured (or automatic) count. */
  get concurrency(): number {
    if (this.members) return this.members.length;
    return planStreams({ ...this.options, cores: this.cores }, 0).streams;
  }

  /** Streams and threads in use once the first frame arrived (null before). */
  get plan(): { streams: number; threadsPerStream: number } | null {
    return this.started;
  }

  restore(frame: RgbFrame, options?: RestoreOptions): Promise<RestoreResult> {
    return this.dispatch('restore', frame, (member) => member.restore(frame, options));
  }

  /**
   * Runs the parser alone on the next stream in turn, as `restore()` takes them: over a stretch
   * of parse-only frames every stream parses a recent frame, so none restores from old maps after it.
   */
  parse(frame: RgbFrame): Promise<ParseResult> {
    return this.dispatch('parse', frame, (member) => member.parse(frame));
  }

  private dispatch<T>(call: string, frame: RgbFrame, run: (member: OnnxRestorer) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new InvalidStateError('ERR_MODEL_CLOSED', `${call}() called after close()`));
    const pick = (members: OnnxRestorer[]): Promise<T> => run(members[this.next++ % members.length]!);
    if (this.members) return pick(this.members);
    this.starting ??= this.start(frame.width * frame.height);
    return this.starting.then(pick);
  }

  private async start(pixels: number): Promise<OnnxRestorer[]> {
    const plan = planStreams({ ...this.options, cores: this.cores }, pixels);
    const { streams, threadsPerStream } = plan;
    const parserInterval = streamInterval(this.options.parserInterval, streams);
    const started = await Promise.allSettled(
      Array.from({ length: streams }, (_, i) =>
        // Only the first stream reports load warnings: a provider fallback is the same for all.
        OnnxRestorer.create({ ...this.options, threads: threadsPerStream, parserInterval, onWarning: i === 0 ? this.options.onWarning : undefined }),
      ),
    );
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((r) => r.close()));
      throw failed.reason;
    }
    this.started = plan;
    // A close() that came while the workers started waits on `starting` and closes them after
    // the frames already asked for have been sent: those still finish.
    this.members = ok;
    return ok;
  }

  /** Finishes frames in flight, then stops every worker. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.starting) await this.starting.catch(() => undefined);
    await Promise.all((this.members ?? []).map((r) => r.close()));
  }
}
