/**
 * The live pipeline: source → newest-frame scheduler → restorer → two H.264
 * encoders (restored, original) → the viewers' hub. The only place in the
 * live half that subscribes.
 */
import { Subscription, finalize, type Observable } from 'rxjs';
import type { Logger } from '../log.js';
import { nowMs } from '../clock.js';
import type { EncodedPicture } from '../media/live/index.js';
import type { FrameRestorer } from '../model/types.js';
import type { TrackName } from '../server/protocol.js';
import type { StreamHub } from '../server/stream-hub.js';
import { FrameProcessor } from './frame-processor.js';
import type { LiveMetrics } from './live-metrics.js';
import { processNewest } from './operators/process-newest.js';
import { publishFrame } from './publish.js';
import { TrackEncoders, type LiveEncoderSettings } from './track-encoders.js';
import type { LiveFrame, ProcessedFrame } from './types.js';

/** Settings of {@link runLive} (a slice of the `serve` config). */
export interface LiveRunSettings {
  readonly parserInterval: number;
  readonly sceneCutThreshold: number;
  readonly passThroughBelow: number;
  /** `model.temporalFilter` is `auto`. */
  readonly temporalFilter?: boolean;
  readonly encoder: LiveEncoderSettings;
}

/** What the pipeline is doing, for `/healthz`, stats and logs. */
export interface LiveStatus {
  readonly state: 'starting' | 'live' | 'reconnecting' | 'ended' | 'failed';
  readonly framesIn: number;
  readonly framesOut: number;
  readonly dropped: number;
  readonly lastFrameMs: number | null;
  readonly error: string | null;
}

/** A running live pipeline. */
export interface LiveRun {
  /** Resolves when the source ends (a file without loop) or after {@link stop}; rejects on a fatal error. */
  readonly completion: Promise<void>;
  /** Stops the pipeline and frees the encoders; idempotent. */
  stop(): Promise<void>;
  status(): LiveStatus;
  /** Makes the next frame of `track` a key frame (a viewer joined or fell behind). */
  requestKeyFrame(track: TrackName): void;
  /** Told by the source layer when it opens, fails, or reconnects. */
  setSourceState(state: 'live' | 'reconnecting'): void;
}

/** What {@link runLive} needs. */
export interface LiveRunDeps {
  readonly frames$: Observable<LiveFrame>;
  readonly restorer: FrameRestorer;
  readonly hub: StreamHub;
  readonly metrics: LiveMetrics;
  readonly log: Logger;
  /** Nominal source frame rate for the encoders' rate control (the real rate may vary). */
  readonly fps: () => number;
  /** Called with each published frame (for recording and tests). */
  readonly onPublished?: (frame: ProcessedFrame, restored: EncodedPicture) => void;
}

/**
 * Starts the live pipeline.
 *
 * Frames arriving while the restorer (plus the two encoders) is busy wait in a
 * single slot; a newer arrival replaces the waiting one, which is counted in
 * `f2d_frames_dropped_total`. Latency therefore stays under about two frame
 * processing times whatever the source rate.
 *
 * @example
 * const run = runLive(settings, { frames$, restorer, hub, metrics, log, fps: () => 25 });
 * await run.completion;
 */
export function runLive(settings: LiveRunSettings, deps: LiveRunDeps): LiveRun {
  const { hub, metrics } = deps;
  const processor = new FrameProcessor(deps.restorer, {
    interval: settings.parserInterval,
    sceneCutThreshold: settings.sceneCutThreshold,
    passThroughBelow: settings.passThroughBelow,
    temporalFilter: settings.temporalFilter ?? false,
  });
  const encoders = new TrackEncoders(settings.encoder, deps.fps, metrics, deps.log);
  let state: LiveStatus['state'] = 'starting';
  let lastFrameMs: number | null = null;
  let error: string | null = null;
  let framesIn = 0;
  let framesOut = 0;
  let dropped = 0;

  // One frame through: model (or pass-through), both encoders, the viewers.
  const processOne = async (frame: LiveFrame): Promise<void> => {
    const processed = await processor.process(frame);
    await encoders.prepare(frame.width, frame.height);
    const encodeStart = nowMs();
    const pictures = await encoders.encode(processed.output.data, frame.data);
    publishFrame(hub, metrics, processed, pictures, { encodeStart, published: nowMs() });
    framesOut += 1;
    if (pictures.restored !== null) deps.onPublished?.(processed, pictures.restored);
  };

  const onArrival = (frame: LiveFrame): Promise<void> => {
    framesIn += 1;
    lastFrameMs = frame.captureMs;
    metrics.framesIn.inc();
    if (state !== 'live') setState('live');
    return processOne(frame);
  };

  const onDrop = (): void => {
    framesIn += 1;
    dropped += 1;
    metrics.framesIn.inc();
    metrics.framesDropped.inc();
  };

  const done = settlement();
  const subscription = new Subscription();
  subscription.add(
    deps.frames$
      .pipe(
        processNewest(onArrival, { onDrop }),
        finalize(() => void encoders.close()),
      )
      .subscribe({
        error: (err: unknown) => {
          state = 'failed';
          error = (err as Error).message;
          metrics.sourceUp.set(0);
          done.reject(err);
        },
        complete: () => {
          state = 'ended';
          metrics.sourceUp.set(0);
          done.resolve();
        },
      }),
  );

  function setState(next: 'live' | 'reconnecting'): void {
    if (next === 'reconnecting' && state === 'live') processor.reset();
    state = next;
    metrics.sourceUp.set(next === 'live' ? 1 : 0);
  }

  let stopping = false;
  return {
    completion: done.promise,
    status: () => ({ state, framesIn, framesOut, dropped, lastFrameMs, error }),
    requestKeyFrame: (track) => encoders.requestKeyFrame(track),
    setSourceState: setState,
    stop: async () => {
      if (stopping) return done.promise.catch(() => undefined);
      stopping = true;
      subscription.unsubscribe();
      if (state !== 'failed') state = 'ended';
      done.resolve();
      await encoders.close();
    },
  };
}

/** A promise with its resolve and reject at hand (`Promise.withResolvers` is Node 22). */
function settlement(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
