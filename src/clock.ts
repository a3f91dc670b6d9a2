/**
 * Wall-clock milliseconds since the epoch with sub-millisecond precision.
 *
 * `Date.now()` has 1 ms steps; latency figures of a few ms need better, and
 * the viewer compares against the same epoch after a ping/pong clock sync.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
