import type { Counter, Gauge, Histogram } from 'prom-client';
import { DISPLAY_SECONDS_BUCKETS, FRAME_SECONDS_BUCKETS, MetricsRegistry, type MetricsRegistryOptions } from '../prometheus.js';
import type { StreamHubEvents } from '../server/stream-hub.js';

/** The series {@link LiveMetrics.recentQuantile} keeps: the stages and the viewers' latency. */
export type RecentSeries = keyof StageSeconds | 'glassToGlass';

/** Per-frame times of one published frame, in seconds. */
export interface StageSeconds {
  /** Arrival to start of work (the frame waited for the restorer). */
  readonly wait: number;
  readonly restore: number;
  readonly encode: number;
  /** Arrival to publish. */
  readonly pipeline: number;
}

/**
 * The metrics of one `f2d serve` process, as served on `/metrics`. Latencies
 * are in seconds (Prometheus convention) and are histograms; stage names:
 * `wait`, `restore`, `encode`, `pipeline` (see {@link StageSeconds}).
 *
 * Series whose source is gone do not linger: a viewer's own gauges are removed
 * when it leaves, and the glass-to-glass histogram's series are removed when
 * the last viewer leaves (so it never reports a latency nobody sees any more;
 * they come back from zero with the next viewer, which Prometheus' `rate()`
 * treats like a restart).
 */
export class LiveMetrics {
  readonly registry: MetricsRegistry;
  readonly framesIn: Counter;
  readonly framesOut: Counter;
  readonly framesDropped: Counter;
  readonly passThrough: Counter;
  readonly parserRuns: Counter<'reason'>;
  readonly fps: Gauge<'direction'>;
  readonly stageLatency: Histogram<'stage'>;
  readonly viewers: Gauge;
  readonly viewerSkips: Counter<'reason'>;
  readonly badMessages: Counter;
  readonly repliesDropped: Counter;
  readonly viewersClosed: Counter<'reason'>;
  readonly glassToGlass: Histogram;
  readonly viewerFps: Gauge<'viewer'>;
  readonly viewerQueuedBytes: Gauge<'viewer'>;
  readonly sourceUp: Gauge;
  readonly reconnects: Counter;
  readonly keyFrames: Counter<'track'>;
  /** `--publish` to a media server (`src/live/publishing.ts`). */
  readonly publishFrames: Counter;
  readonly publishDropped: Counter;
  readonly publishReconnects: Counter;
  readonly publishUp: Gauge;
  /**
   * Exact recent values behind the histograms, for the once-a-second stats line
   * the viewers show and for `npm run measure:live` (a histogram only knows its buckets).
   */
  readonly #recent: Readonly<Record<RecentSeries, RecentSamples>> = {
    wait: new RecentSamples(512),
    restore: new RecentSamples(512),
    encode: new RecentSamples(512),
    pipeline: new RecentSamples(512),
    glassToGlass: new RecentSamples(512),
  };
  #readQueues: () => ReadonlyMap<string, number> = () => new Map();

  constructor(options: MetricsRegistryOptions = {}) {
    const r = (this.registry = new MetricsRegistry(options));
    this.framesIn = r.counter('f2d_frames_in_total', 'Frames decoded from the source');
    this.framesOut = r.counter('f2d_frames_out_total', 'Frames restored (or passed through), encoded and published');
    this.framesDropped = r.counter('f2d_frames_dropped_total', 'Source frames never processed because a newer one arrived while the restorer was busy');
    this.passThrough = r.counter('f2d_frames_pass_through_total', 'Frames published unrestored because the parser saw no degradation above the threshold');
    this.parserRuns = r.counter('f2d_parser_runs_total', 'Parser runs by reason (first, interval, scene-cut)', ['reason']);
    this.fps = r.gauge('f2d_fps', 'Frames per second over the last stats interval, by direction (in, out)', ['direction']);
    this.stageLatency = r.histogram('f2d_stage_latency_seconds', 'Per-frame time by stage (wait, restore, encode, pipeline)', FRAME_SECONDS_BUCKETS, ['stage']);
    this.viewers = r.gauge('f2d_viewers', 'Connected viewers');
    this.viewerSkips = r.counter('f2d_viewer_skipped_frames_total', 'Video messages not sent to a viewer, by reason (waiting-key, backpressure)', ['reason']);
    this.badMessages = r.counter('f2d_ws_bad_messages_total', 'Invalid messages received from viewers');
    this.repliesDropped = r.counter('f2d_ws_replies_dropped_total', 'Text messages (pong, stats, errors) not sent to a viewer whose queue was full');
    this.viewersClosed = r.counter('f2d_ws_policy_closes_total', 'Viewers disconnected by the server, by reason (rate-limit, invalid-messages)', ['reason']);
    this.glassToGlass = r.histogram('f2d_glass_to_glass_seconds', 'Capture-to-display latency reported by viewers; removed when the last viewer leaves', DISPLAY_SECONDS_BUCKETS);
    this.viewerFps = r.gauge('f2d_viewer_fps', 'Frames per second each connected viewer drew, from its last report', ['viewer']);
    this.viewerQueuedBytes = r.gauge('f2d_viewer_queued_bytes', 'Bytes queued for each connected viewer (its WebSocket bufferedAmount)', ['viewer'], (gauge) => {
      // Read at scrape time; a viewer that left is simply not in the map any more.
      gauge.reset();
      for (const [viewer, bytes] of this.#readQueues()) gauge.set({ viewer }, bytes);
    });
    this.sourceUp = r.gauge('f2d_source_up', '1 while the source delivers frames, 0 while it is down or reconnecting');
    this.reconnects = r.counter('f2d_source_reconnects_total', 'Attempts to reopen the source after it failed or ended');
    this.keyFrames = r.counter('f2d_key_frames_forced_total', 'Key frames forced for joining or lagging viewers, by track', ['track']);
    this.publishFrames = r.counter('f2d_publish_frames_total', 'Restored frames sent to the media server of --publish');
    this.publishDropped = r.counter('f2d_publish_dropped_total', 'Restored frames not sent to the media server: disconnected, waiting for a key frame, or the server too slow');
    this.publishReconnects = r.counter('f2d_publish_reconnects_total', 'Attempts to reconnect to the media server after a failure');
    this.publishUp = r.gauge('f2d_publish_up', '1 while connected to the media server of --publish, 0 otherwise');
  }

  /** Records the stage times of one published frame. */
  observeStages(seconds: StageSeconds): void {
    for (const stage of ['wait', 'restore', 'encode', 'pipeline'] as const) {
      this.stageLatency.observe({ stage }, seconds[stage]);
      this.#recent[stage].add(seconds[stage]);
    }
  }

  /**
   * The q-quantile (0..1, seconds) of the last 512 values of a stage or of the
   * viewers' glass-to-glass latency; `NaN` when there are none (glass-to-glass:
   * none since the last viewer left).
   */
  recentQuantile(series: RecentSeries, q: number): number {
    return this.#recent[series].quantile(q);
  }

  /** Where `f2d_viewer_queued_bytes` reads each viewer's queue at scrape time (viewer id → bytes). */
  readViewerQueuesFrom(read: () => ReadonlyMap<string, number>): void {
    this.#readQueues = read;
  }

  /** The hub's hooks that feed these metrics; spread them into the hub's events. */
  hubEvents(): Required<Pick<StreamHubEvents, 'onSkip' | 'onBadMessage' | 'onReplyDropped' | 'onPolicyClose' | 'onReport' | 'onViewerLeft' | 'onViewers'>> {
    return {
      onSkip: (reason) => this.viewerSkips.inc({ reason }),
      onBadMessage: () => this.badMessages.inc(),
      onReplyDropped: () => this.repliesDropped.inc(),
      onPolicyClose: (reason) => this.viewersClosed.inc({ reason }),
      onReport: (report, viewer) => {
        for (const ms of report.latencyMs) {
          this.glassToGlass.observe(ms / 1000);
          this.#recent.glassToGlass.add(ms / 1000);
        }
        this.viewerFps.set({ viewer }, report.fps);
      },
      onViewerLeft: (viewer) => this.viewerFps.remove({ viewer }),
      onViewers: (count) => {
        this.viewers.set(count);
        if (count === 0) {
          this.glassToGlass.reset();
          this.#recent.glassToGlass.clear();
        }
      },
    };
  }
}

/** The last `size` values of a series, for a quick percentile. */
export class RecentSamples {
  readonly #ring: number[] = [];
  #next = 0;
  constructor(readonly size: number) {}

  add(value: number): void {
    if (this.#ring.length < this.size) this.#ring.push(value);
    else this.#ring[this.#next] = value;
    this.#next = (this.#next + 1) % this.size;
  }

  clear(): void {
    this.#ring.length = 0;
    this.#next = 0;
  }

  /** Nearest-rank q-quantile (0..1) of the kept values; `NaN` when empty. */
  quantile(q: number): number {
    return quantileOf(this.#ring, q);
  }
}

/** Nearest-rank quantile of `values` (not modified); `NaN` when empty. */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}
