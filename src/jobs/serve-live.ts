/**
 * The live application behind `f2d serve`: the source, the model, the live
 * pipeline, the viewers' server, stats and recording, started together and
 * closed together. The CLI and the tests start it the same way.
 */
import { nowMs } from '../clock.js';
import type { Config } from '../config/types.js';
import { FACTORS } from '../factors.js';
import type { Logger } from '../log.js';
import { LiveMetrics } from '../live/live-metrics.js';
import { LiveRecording } from '../live/recording.js';
import { runLive, type LiveRun } from '../live/run-live.js';
import { startStatsTicker } from '../live/stats-ticker.js';
import { configuredFrames$ } from '../live/sources/configured-frames.js';
import { demoClipPath } from '../live/sources/demo-clip.js';
import { parseSourceUri, type SourceSpec } from '../live/sources/source-uri.js';
import type { LiveRecorder } from '../media/live/index.js';
import { redactUrl } from '../redact.js';
import { liveHealth, SourceRetries } from '../server/health.js';
import { sourceLabel } from '../server/source-label.js';
import { openRestorer } from '../model/open.js';
import type { FrameRestorer } from '../model/types.js';
import { defaultViewerDir, LiveServer } from '../server/live-server.js';
import { StreamHub } from '../server/stream-hub.js';

/** A source silent for this long makes `/healthz` answer 503. */
const STALE_SOURCE_MS = 5000;
const STATS_INTERVAL_MS = 1000;

/** What {@link startServe} returns: the running server and pipeline. */
export interface ServeHandle {
  readonly server: LiveServer;
  readonly run: LiveRun;
  readonly metrics: LiveMetrics;
  /** The recorder, once the first frame was recorded (with `serve.record.dir`). */
  recorder(): Promise<LiveRecorder | null>;
  /** Stops everything; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the server and the live pipeline (used by the CLI and by tests).
 *
 * @param makeRestorer - builds the model restorer (the configured model by default, one stream).
 *   The live pipeline decides for every frame when the parser runs (`serve.parserInterval`,
 *   `serve.sceneCutThreshold`), so the restorer's own schedule (`model.parserInterval`) is unused.
 */
export async function startServe(
  config: Config,
  log: Logger,
  makeRestorer: () => Promise<FrameRestorer> = () => openRestorer(config.model, log.child('model'), { streams: 1 }),
): Promise<ServeHandle> {
  const serve = config.serve;
  const parsed = parseSourceUri(serve.source);
  const spec: SourceSpec = parsed.kind === 'demo' ? { ...parsed, kind: 'file', url: demoClipPath() } : parsed;
  if (serve.token === null && serve.host !== '127.0.0.1' && serve.host !== 'localhost' && serve.host !== '::1') {
    log.warn(`serving on ${serve.host} without a token: anyone who can reach this address can watch; set --token`);
  }
  const restorer = await makeRestorer();
  const metrics = new LiveMetrics();
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
      hello: { factors: FACTORS, source: parsed.kind, sourceLabel: label, pipeline: config.pipeline.name },
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
  run = runLive(
    { parserInterval: serve.parserInterval, sceneCutThreshold: serve.sceneCutThreshold, passThroughBelow: serve.passThroughBelow, encoder: serve.encoder },
    {
      frames$,
      restorer,
      hub,
      metrics,
      log: log.child('live'),
      fps: () => fps,
      onPublished: (frame, restored) => recording.write(frame, restored),
    },
  );
  const liveRun = run;
  let server: LiveServer;
  try {
    server = await LiveServer.listen({
      host: serve.host,
      port: serve.port,
      token: serve.token,
      allowedHosts: serve.allowedHosts,
      viewerDir: defaultViewerDir(),
      hub,
      metrics: metrics.registry,
      health: () => liveHealth(liveRun.status(), { nowMs: nowMs(), staleMs: STALE_SOURCE_MS, viewers: hub.viewerCount, source: label, retries }),
    });
  } catch (err) {
    await liveRun.stop();
    await restorer.close();
    throw err;
  }
  const stats = startStatsTicker(liveRun, hub, metrics, STATS_INTERVAL_MS);
  let closing: Promise<void> | null = null;
  return {
    server,
    run: liveRun,
    metrics,
    recorder: () => recording.recorder(),
    close: () => {
      closing ??= (async () => {
        stats.stop();
        await liveRun.stop();
        await server.close();
        await recording.close();
        await restorer.close();
      })();
      return closing;
    },
  };
}
