/**
 * Once a second: the in and out frame rates into the metrics, and a `stats`
 * message to every viewer (rates, drops, the server-side latency median).
 */
import { nowMs } from '../clock.js';
import type { StreamHub } from '../server/stream-hub.js';
import type { LiveMetrics } from './live-metrics.js';
import type { LiveRun } from './run-live.js';

/** Starts the ticker; `stop()` ends it. */
export function startStatsTicker(run: Pick<LiveRun, 'status'>, hub: StreamHub, metrics: LiveMetrics, intervalMs: number): { stop(): void } {
  let last = { at: nowMs(), in: 0, out: 0 };
  const timer = setInterval(() => {
    const s = run.status();
    const now = nowMs();
    const seconds = (now - last.at) / 1000;
    const fpsIn = (s.framesIn - last.in) / seconds;
    const fpsOut = (s.framesOut - last.out) / seconds;
    last = { at: now, in: s.framesIn, out: s.framesOut };
    metrics.fps.set({ direction: 'in' }, fpsIn);
    metrics.fps.set({ direction: 'out' }, fpsOut);
    const pipeline = metrics.recentQuantile('pipeline', 0.5);
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
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
