import { MetricsRegistry, type Counter, type Gauge, type Summary } from '../server/metrics.js';

/**
 * The metrics of one `f2d serve` process, as served on `/metrics`. Latencies
 * are in seconds (Prometheus convention); stage names: `wait` (arrival to
 * start of work), `restore`, `encode`, `pipeline` (arrival to publish).
 */
export class LiveMetrics {
  readonly registry = new MetricsRegistry();
  readonly framesIn: Counter = this.registry.counter('f2d_frames_in_total', 'Frames decoded from the source');
  readonly framesOut: Counter = this.registry.counter('f2d_frames_out_total', 'Frames restored (or passed through), encoded and published');
  readonly framesDropped: Counter = this.registry.counter('f2d_frames_dropped_total', 'Source frames never processed because a newer one arrived while the restorer was busy');
  readonly passThrough: Counter = this.registry.counter('f2d_frames_pass_through_total', 'Frames published unrestored because the parser saw no degradation above the threshold');
  readonly parserRuns: Counter = this.registry.counter('f2d_parser_runs_total', 'Parser runs by reason (first, interval, scene-cut)');
  readonly fps: Gauge = this.registry.gauge('f2d_fps', 'Frames per second over the last stats interval, by direction (in, out)');
  readonly stageLatency: Summary = this.registry.summary('f2d_stage_latency_seconds', 'Per-frame time by stage (wait, restore, encode, pipeline)');
  readonly viewers: Gauge = this.registry.gauge('f2d_viewers', 'Connected viewers');
  readonly viewerSkips: Counter = this.registry.counter('f2d_viewer_skipped_frames_total', 'Video messages not sent to a viewer, by reason (waiting-key, backpressure)');
  readonly badMessages: Counter = this.registry.counter('f2d_ws_bad_messages_total', 'Invalid messages received from viewers');
  readonly glassToGlass: Summary = this.registry.summary('f2d_glass_to_glass_seconds', 'Capture-to-display latency reported by viewers');
  readonly sourceUp: Gauge = this.registry.gauge('f2d_source_up', '1 while the source delivers frames, 0 while it is down or reconnecting');
  readonly reconnects: Counter = this.registry.counter('f2d_source_reconnects_total', 'Attempts to reopen the source after it failed or ended');
  readonly keyFrames: Counter = this.registry.counter('f2d_key_frames_forced_total', 'Key frames forced for joining or lagging viewers, by track');
}
