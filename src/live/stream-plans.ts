/**
 * What each live stream of `f2d serve` runs with: the `serve` section, with
 * each entry of `serve.streams` overriding its source and the settings it
 * names. Pure, so the rules are tested without starting anything.
 */
import path from 'node:path';
import type { ServeConfig } from '../config/types.js';

/** The name of the one stream when `serve.streams` is empty (its pages are also at `/`). */
export const SINGLE_STREAM_NAME = 'main';

/** One stream to start: its name and the `serve` settings it runs with. */
export interface LiveStreamPlan {
  readonly name: string;
  readonly serve: ServeConfig;
}

/**
 * The streams `serve` describes, in order.
 *
 * Recording and publishing are per stream: with several streams, each records
 * into its own folder under `serve.record.dir` (`<dir>/<name>`), so two cameras'
 * segments never share a folder and a name, and publishes to `serve.publish`
 * with `/<name>` added to the path (a media server's path per camera), unless
 * the stream names its own `publish`.
 */
export function planLiveStreams(serve: ServeConfig): LiveStreamPlan[] {
  if (serve.streams.length === 0) return [{ name: SINGLE_STREAM_NAME, serve }];
  return serve.streams.map((stream) => {
    const { name, ...overrides } = stream;
    const own = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    const record = serve.record.dir === null ? serve.record : { ...serve.record, dir: path.join(serve.record.dir, name) };
    const publish = serve.publish === null ? null : publishUrlOf(serve.publish, name);
    return { name, serve: { ...serve, publish, ...own, record, streams: [] } as ServeConfig };
  });
}

/**
 * Threads for each stream's restorer: `model.threads` when set, else the
 * cores shared out (two cameras on two cores get one thread each rather than
 * four threads fighting over two cores).
 */
export function threadsPerStream(modelThreads: number, streams: number, cores: number): number {
  if (modelThreads > 0) return modelThreads;
  return Math.max(1, Math.floor(cores / Math.max(1, streams)));
}

/** `rtsp://host:8554/cams?x=1` and `front` → `rtsp://host:8554/cams/front?x=1` (query and credentials kept). */
export function publishUrlOf(base: string, name: string): string {
  const q = base.search(/[?#]/);
  const [head, tail] = q < 0 ? [base, ''] : [base.slice(0, q), base.slice(q)];
  return `${head.replace(/\/+$/, '')}/${name}${tail}`;
}
