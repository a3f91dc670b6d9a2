/**
 * `f2d serve --source <uri>`: live restoration streamed to browser viewers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { PACKAGE_ROOT } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import { F2dError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { nowMs } from '../../live/clock.js';
import { LiveMetrics } from '../../live/live-metrics.js';
import { LiveRecorder } from '../../media/live-recorder.js';
import { reconnectWithBackoff } from '../../live/operators/reconnect.js';
import { runLive, type LiveRun } from '../../live/run-live.js';
import { sourceFrames$ } from '../../live/sources/source-frames.js';
import { parseSourceUri, type SourceSpec } from '../../live/sources/source-uri.js';
import { FACTORS, type LiveFrame } from '../../live/types.js';
import type { FrameRestorer } from '../../model/types.js';
import { defaultViewerDir, LiveServer } from '../../server/live-server.js';
import { StreamHub } from '../../server/stream-hub.js';
import { openRestorer, type CommandContext } from './restore.js';

/** A source silent for this long makes `/healthz` answer 503. */
const STALE_SOURCE_MS = 5000;
const STATS_INTERVAL_MS = 1000;

/**
 * The bundled demo clip: `degraded` from models/demo/demo.json when the
 * synthetic-weather clip is there, else the clean clip.
 *
 * @throws F2dError ERR_SOURCE_DEMO when demo.json is missing or names no clip
 */
export function demoClipPath(root = PACKAGE_ROOT): string {
  const dir = join(root, 'models', 'demo');
  let manifest: { clean?: unknown; degraded?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as typeof manifest;
  } catch (cause) {
    throw new F2dError('ERR_SOURCE_DEMO', 'input', `cannot read the demo description ${join(dir, 'demo.json')}`, {
      cause,
      hint: 'reinstall f2d-stream, or pass --source <uri> with a source of your own',
    });
  }
  const name = typeof manifest.degraded === 'string' ? manifest.degraded : manifest.clean;
  if (typeof name !== 'string' || name === '') {
    throw new F2dError('ERR_SOURCE_DEMO', 'input', `${join(dir, 'demo.json')} names no clip ("degraded" or "clean")`, {
      hint: 'set "clean" to the clip file name in models/demo/demo.json',
    });
  }
  return join(dir, name);
}

/** The frames of the configured source, reconnecting with back-off when it is a feed. */
function liveFrames$(spec: SourceSpec, serve: Config['serve'], hooks: { onOpen: (fps: number | null) => void; onRetry: (attempt: number, delayMs: number, reason: unknown) => void }): Observable<LiveFrame> {
  const counter = { seq: 0 };
  const frames$ = sourceFrames$(spec, {
    loop: serve.loop && !spec.reconnect,
    counter,
    onOpen: (info) => hooks.onOpen(info.fps),
    ...(serve.width === null || serve.height === null ? {} : { width: serve.width, height: serve.height }),
  });
  if (!spec.reconnect) return frames$;
  return frames$.pipe(
    reconnectWithBackoff({
      initialDelayMs: serve.reconnect.initialDelayMs,
      maxDelayMs: serve.reconnect.maxDelayMs,
      onReconnect: ({ attempt, delayMs, reason }) => hooks.onRetry(attempt, delayMs, reason),
    }),
  );
}

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
 * @param makeRestorer - builds the model restorer (the configured model by default).
 */
export async function startServe(
  config: Config,
  log: Logger,
  makeRestorer: () => Promise<FrameRestorer> = () => openRestorer({ ...config, model: { ...config.model, parserInterval: config.serve.parserInterval } }, log.child('model'), { streams: 1 }),
): Promise<ServeHandle> {
  const serve = config.serve;
  const parsed = parseSourceUri(serve.source);
  const spec: SourceSpec = parsed.kind === 'demo' ? { ...parsed, kind: 'file', url: demoClipPath() } : parsed;
  if (serve.token === null && serve.host !== '127.0.0.1' && serve.host !== 'localhost' && serve.host !== '::1') {
    log.warn(`serving on ${serve.host} without a token: anyone who can reach this address can watch; set --token`);
  }
  const restorer = await makeRestorer();
  const metrics = new LiveMetrics();
  let run: LiveRun | null = null;
  let fps = 25;
  let opens = 0;
  const hub = new StreamHub(
    {
      maxBufferedBytes: serve.viewers.maxBufferedBytes,
      keyRequestIntervalMs: serve.viewers.keyRequestIntervalMs,
      maxBadMessages: serve.viewers.maxBadMessages,
      hello: { factors: FACTORS, source: parsed.kind, pipeline: config.pipeline.name },
    },
    {
      onKeyFrameNeeded: (track) => run?.requestKeyFrame(track),
      onSkip: (reason) => metrics.viewerSkips.inc({ reason }),
      onBadMessage: () => metrics.badMessages.inc(),
      onReport: (report) => {
        for (const ms of report.latencyMs) metrics.glassToGlass.observe(ms / 1000);
      },
      onViewers: (count) => metrics.viewers.set(count),
    },
  );
  const frames$ = liveFrames$(spec, serve, {
    onOpen: (rate) => {
      if (rate !== null && rate > 0 && rate <= 240) fps = rate;
      opens += 1;
      // A looping file reopens at each pass: say it once, then only in debug logs.
      (opens === 1 || spec.reconnect ? log.info : log.debug).call(log, `source ${serve.source} open${rate === null ? '' : ` at ${rate.toFixed(2)} fps`}`);
    },
    onRetry: (attempt, delayMs, reason) => {
      metrics.reconnects.inc();
      run?.setSourceState('reconnecting');
      const why = reason === 'ended' ? 'the feed ended' : (reason as Error).message;
      log.warn(`source ${serve.source}: ${why}; reconnecting in ${delayMs} ms (attempt ${attempt})`);
      hub.broadcast({ type: 'source', state: 'reconnecting', attempt, delayMs });
    },
  });
  const record = serve.record;
  let recorder: Promise<LiveRecorder> | null = null;
  let recordFailed = false;
  run = runLive(
    { parserInterval: serve.parserInterval, sceneCutThreshold: serve.sceneCutThreshold, passThroughBelow: serve.passThroughBelow, encoder: serve.encoder },
    {
      frames$,
      restorer,
      hub,
      metrics,
      log: log.child('live'),
      fps: () => fps,
      onPublished: (frame, restored) => {
        if (record.dir === null || recordFailed) return;
        const dir = record.dir;
        recorder ??= LiveRecorder.create({ dir, segmentSec: record.segmentSec, width: frame.output.width, height: frame.output.height }).then((r) => {
          log.info(`recording the restored stream to ${dir} in ${record.segmentSec} s segments`);
          return r;
        });
        recorder
          .then((r) => r.write(restored.data, restored.key, frame.source.captureMs))
          .catch((err: unknown) => {
            // Recording is a side job: report once and stop recording; the live stream goes on.
            recordFailed = true;
            log.error(`recording stopped: ${(err as Error).message}`);
          });
      },
    },
  );
  const liveRun = run;
  let server: LiveServer;
  try {
    server = await LiveServer.listen({
      host: serve.host,
      port: serve.port,
      token: serve.token,
      viewerDir: defaultViewerDir(),
      hub,
      metrics: metrics.registry,
      health: () => {
        const s = liveRun.status();
        const fresh = s.lastFrameMs !== null && nowMs() - s.lastFrameMs < STALE_SOURCE_MS;
        return { ok: s.state === 'live' && fresh, state: s.state, framesIn: s.framesIn, framesOut: s.framesOut, dropped: s.dropped, viewers: hub.viewerCount, error: s.error };
      },
    });
  } catch (err) {
    await liveRun.stop();
    await restorer.close();
    throw err;
  }
  let last = { at: nowMs(), in: 0, out: 0 };
  const stats = setInterval(() => {
    const s = liveRun.status();
    const now = nowMs();
    const seconds = (now - last.at) / 1000;
    const fpsIn = (s.framesIn - last.in) / seconds;
    const fpsOut = (s.framesOut - last.out) / seconds;
    last = { at: now, in: s.framesIn, out: s.framesOut };
    metrics.fps.set(fpsIn, { direction: 'in' });
    metrics.fps.set(fpsOut, { direction: 'out' });
    const pipeline = metrics.stageLatency.quantile(0.5, { stage: 'pipeline' });
    hub.broadcast({
      type: 'stats',
      state: s.state,
      fpsIn,
      fpsOut,
      framesIn: s.framesIn,
      dropped: s.dropped,
      serverLatencyMs: Number.isNaN(pipeline) ? null : pipeline * 1000,
      viewers: hub.viewerCount,
    });
  }, STATS_INTERVAL_MS);
  let closing: Promise<void> | null = null;
  return {
    server,
    run: liveRun,
    metrics,
    recorder: async () => (recorder === null ? null : recorder.catch(() => null)),
    close: () => {
      closing ??= (async () => {
        clearInterval(stats);
        await liveRun.stop();
        await server.close();
        // A recorder that failed to start was already reported.
        const rec = recorder === null ? null : await recorder.catch(() => null);
        await rec?.close();
        await restorer.close();
      })();
      return closing;
    },
  };
}

/**
 * Runs `f2d serve` until Ctrl-C, or until a file source ends (without loop).
 *
 * @returns the exit code (0 on a clean stop)
 */
export async function serveCommand(ctx: CommandContext, stdout: NodeJS.WritableStream): Promise<number> {
  const log = ctx.log.child('serve');
  const handle = await startServe(ctx.config, log);
  stdout.write(`f2d serve: open ${handle.server.viewerUrl} in Chromium or Firefox (Ctrl-C stops)\n`);
  const aborted = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await Promise.race([handle.run.completion, aborted]);
  } finally {
    await handle.close();
  }
  const s = handle.run.status();
  log.info(`stopped: ${s.framesIn} frames in, ${s.framesOut} out, ${s.dropped} dropped while the restorer was busy`);
  return 0;
}
