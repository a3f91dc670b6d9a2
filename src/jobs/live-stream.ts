/**
 * One live stream of `f2d serve`: its source, its own restorer, the live
 * pipeline, its viewers' hub, its metrics, stats, recording and publishing, started
 * together and closed together. `serve-live.ts` starts one per camera and
 * puts them behind one server.
 *
 * Each stream has its own restorer (a model worker): a busy camera then
 * drops its own frames, never another's, and each stream's drop count says
 * what it lost. The model files are shared by the OS page cache.
 */
import { nowMs } from '../clock.js';
import type { ServeConfig } from '../config/types.js';
import { FACTORS } from '../factors.js';
import type { Logger } from '../log.js';
import { LiveMetrics } from '../live/live-metrics.js';
import { LivePublishing } from '../live/publishing.js';
import { LiveRecording } from '../live/recording.js';
import { runLive, type LiveRun } from '../live/run-live.js';
import { startStatsTicker } from '../live/stats-ticker.js';
import { configuredFrames$ } from '../live/sources/configured-frames.js';
import { demoClipPath } from '../live/sources/demo-clip.js';
import { parseSourceUri, type SourceSpec } from '../live/sources/source-uri.js';
import type { LiveRecorder } from '../media/live/index.js';
import type { FrameRestorer } from '../model/types.js';
import { redactUrl } from '../redact.js';
import { liveHealth, SourceRetries } from '../server/health.js';
import type { Health, ServedStream } from '../server/live-server.js';
import { sourceLabel } from '../server/source-label.js';
import { StreamHub } from '../server/stream-hub.js';

/** A source silent for this long makes `/healthz` answer 503. */
const STALE_SOURCE_MS = 5000;
const STATS_INTERVAL_MS = 1000;

/** What one stream needs besides its settings. */
export interface LiveStreamOptions {
  readonly name: string;
  readonly serve: ServeConfig;
  /** `model.temporalFilter` is `auto` (see src/temporal/transient-filter.ts). */
  readonly temporalFilter: boolean;
  readonly restorer: FrameRestorer;
  /** The pipeline's name, shown by the viewer. */
  readonly pipelineName: string;
  /** Label every metric with `stream="<name>"` (when the server has several). */
  readonly labelMetrics: boolean;
  /** Also export the process's own metrics (CPU, memory): one stream of the process does. */
  readonly processMetrics: boolean;
  readonly log: Logger;
}

/** A running stream; {@link close} stops it and closes its restorer (idempotent). */
export interface LiveStream {
  readonly name: string;
  readonly run: LiveRun;
  readonly metrics: LiveMetrics;
  readonly hub: StreamHub;
  /** What the server needs to serve it. */
  readonly served: ServedStream;
  /** The recorder, once the first frame was recorded (with `serve.record.dir`). */
  recorder(): Promise<LiveRecorder | null>;
  /** Starts the once-a-second stats (after the server listens, so nothing is counted for nobody). */
  startStats(): void;
  close(): Promise<void>;
}

/** Starts one stream's pipeline (the source opens now; frames flow once a viewer or recorder needs them). */
export function startLiveStream(options: LiveStreamOptions): LiveStream {
  const { serve, restorer, log } = options;
  const parsed = parseSourceUri(serve.source);
  const spec: SourceSpec = parsed.kind === 'demo' ? { ...parsed, kind: 'file', url: demoClipPath() } : parsed;
  const metrics = new LiveMetrics({
    processMetrics: options.processMetrics,
    ...(options.labelMetrics ? { labels: { stream: options.name } } : {}),
  });
  // What logs, /healthz and the viewers call the source: never with its password.
  const label = sourceLabel(parsed);
  const retries = new SourceRetries();
  let run: LiveRun | null = null;
  let fps = 25;
  let opens = 0;
  const hub = new StreamHub(
    {
      maxBufferedBytes: serve.viewers.maxBufferedBytes,
      keyRequestIntervalMs: serve.viewers.keyRequestIntervalMs,
      maxBadMessages: serve.viewers.maxBadMessages,
      hello: { factors: FACTORS, source: parsed.kind, sourceLabel: label, pipeline: options.pipelineName, stream: options.name },
    },
    {
      onKeyFrameNeeded: (track) => run?.requestKeyFrame(track),
      ...metrics.hubEvents(),
    },
  );
  metrics.readViewerQueuesFrom(() => hub.queuedBytes());
  const frames$ = configuredFrames$(spec, serve, {
    onOpen: (rate) => {
      if (rate !== null && rate > 0 && rate <= 240) fps = rate;
      opens += 1;
      retries.opened();
      // A looping file reopens at each pass: say it once, then only in debug logs.
      (opens === 1 || spec.reconnect ? log.info : log.debug).call(log, `source ${label} open${rate === null ? '' : ` at ${rate.toFixed(2)} fps`}`);
    },
    onRetry: (attempt, delayMs, reason) => {
      metrics.reconnects.inc();
      run?.setSourceState('reconnecting');
      retries.retrying(attempt, delayMs, reason, nowMs());
      // FFmpeg's messages quote the URL: redact them too.
      const why = redactUrl(reason === 'ended' ? 'the feed ended' : (reason as Error).message);
      log.warn(`source ${label}: ${why}; reconnecting in ${delayMs} ms (attempt ${attempt})`);
      hub.broadcast({ type: 'source', state: 'reconnecting', attempt, delayMs, reason: why });
    },
  });
  const recording = new LiveRecording(serve.record, log);
  const publishing = new LivePublishing(serve.publish, { backoff: serve.reconnect, metrics, log, requestKeyFrame: () => run?.requestKeyFrame('restored') });
  run = runLive(
    { parserInterval: serve.parserInterval, sceneCutThreshold: serve.sceneCutThreshold, passThroughBelow: serve.passThroughBelow, temporalFilter: options.temporalFilter, encoder: serve.encoder },
    {
      frames$,
      restorer,
      hub,
      metrics,
      log: log.child('live'),
      fps: () => fps,
      onPublished: (frame, restored) => {
        recording.write(frame, restored);
        publishing.write(frame, restored);
      },
    },
  );
  const liveRun = run;
  const health = (): Health => {
    const live = liveHealth(liveRun.status(), { nowMs: nowMs(), staleMs: STALE_SOURCE_MS, viewers: hub.viewerCount, source: label, retries });
    const publish = publishing.health();
    return publish === null ? live : { ...live, publish };
  };
  let stats: { stop(): void } | null = null;
  let closing: Promise<void> | null = null;
  return {
    name: options.name,
    run: liveRun,
    metrics,
    hub,
    served: { name: options.name, hub, metrics: metrics.registry, health },
    recorder: () => recording.recorder(),
    startStats: () => {
      stats ??= startStatsTicker(liveRun, hub, metrics, STATS_INTERVAL_MS);
    },
    close: () => {
      closing ??= (async () => {
        stats?.stop();
        await liveRun.stop();
        await Promise.all([recording.close(), publishing.close()]);
        await restorer.close();
      })();
      return closing;
    },
  };
}
