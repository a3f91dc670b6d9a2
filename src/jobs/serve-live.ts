/**
 * The live application behind `f2d serve`: one live stream per camera
 * (`serve.source`, or each entry of `serve.streams`), each with its own model
 * worker, pipeline, viewers, metrics and recording, behind one server;
 * started together and closed together. The CLI and the tests start it the
 * same way.
 */
import { availableParallelism } from 'node:os';
import type { Config, ModelConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { LiveMetrics } from '../live/live-metrics.js';
import type { LiveRun } from '../live/run-live.js';
import { planLiveStreams, threadsPerStream, type LiveStreamPlan } from '../live/stream-plans.js';
import type { LiveRecorder } from '../media/live/index.js';
import { openRestorer } from '../model/open.js';
import type { FrameRestorer } from '../model/types.js';
import { defaultViewerDir, LiveServer } from '../server/live-server.js';
import { startLiveStream, type LiveStream } from './live-stream.js';

/** What {@link startServe} returns: the running server and its streams. */
export interface ServeHandle {
  readonly server: LiveServer;
  /** Every stream, in the configured order. */
  readonly streams: readonly LiveStream[];
  /** The first stream's pipeline (the only one without `serve.streams`). */
  readonly run: LiveRun;
  readonly metrics: LiveMetrics;
  /** The first stream's recorder, once its first frame was recorded (with `serve.record.dir`). */
  recorder(): Promise<LiveRecorder | null>;
  /** Ends when every stream's pipeline has ended (file sources without loop). */
  readonly completion: Promise<void>;
  /** Stops everything; idempotent. */
  close(): Promise<void>;
}

/** Builds the restorer of one stream (tests pass their own). */
export type MakeRestorer = (plan: LiveStreamPlan, model: ModelConfig) => Promise<FrameRestorer>;

/**
 * Starts the server and every stream's pipeline (used by the CLI and by tests).
 *
 * @param makeRestorer - builds each stream's model restorer (the configured model by default,
 *   one worker per stream, the cores shared out). The live pipeline decides for every frame when
 *   the parser runs (`serve.parserInterval`, `serve.sceneCutThreshold`), so the restorer's own
 *   schedule (`model.parserInterval`) is unused.
 */
export async function startServe(config: Config, log: Logger, makeRestorer?: MakeRestorer): Promise<ServeHandle> {
  const serve = config.serve;
  if (serve.token === null && serve.host !== '127.0.0.1' && serve.host !== 'localhost' && serve.host !== '::1') {
    log.warn(`serving on ${serve.host} without a token: anyone who can reach this address can watch; set --token`);
  }
  const plans = planLiveStreams(serve);
  const several = plans.length > 1;
  const threads = threadsPerStream(config.model.threads, plans.length, availableParallelism());
  const open: MakeRestorer =
    makeRestorer ?? ((plan, model) => openRestorer({ ...model, threads }, (several ? log.child(plan.name) : log).child('model'), { streams: 1, purpose: 'live' }));

  const streams: LiveStream[] = [];
  const closeStreams = async (): Promise<void> => {
    await Promise.all(streams.map((s) => s.close()));
  };
  try {
    for (const plan of plans) {
      const restorer = await open(plan, config.model);
      try {
        streams.push(
          startLiveStream({
            name: plan.name,
            serve: plan.serve,
            temporalFilter: config.model.temporalFilter === 'auto',
            restorer,
            pipelineName: config.pipeline.name,
            labelMetrics: several,
            // The process's CPU and memory once, not once per stream.
            processMetrics: streams.length === 0,
            log: several ? log.child(plan.name) : log,
          }),
        );
      } catch (err) {
        // A stream that cannot start (a bad source or publish URL) closes the model it was given.
        await restorer.close();
        throw err;
      }
    }
  } catch (err) {
    await closeStreams();
    throw err;
  }

  let server: LiveServer;
  try {
    server = await LiveServer.listen({
      host: serve.host,
      port: serve.port,
      token: serve.token,
      allowedHosts: serve.allowedHosts,
      viewerDir: defaultViewerDir(),
      streams: streams.map((s) => s.served),
    });
  } catch (err) {
    await closeStreams();
    throw err;
  }
  for (const stream of streams) stream.startStats();
  const first = streams[0] as LiveStream;
  let closing: Promise<void> | null = null;
  return {
    server,
    streams,
    run: first.run,
    metrics: first.metrics,
    recorder: () => first.recorder(),
    completion: Promise.all(streams.map((s) => s.run.completion)).then(() => undefined),
    close: () => {
      closing ??= (async () => {
        await Promise.all(streams.map((s) => s.run.stop()));
        await server.close();
        await closeStreams();
      })();
      return closing;
    },
  };
}
