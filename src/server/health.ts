/**
 * What `/healthz` says about the live source: its state and counts, and while
 * it reconnects, why (the last error, credentials hidden), which attempt this
 * is and when the next one starts.
 */
import { redactUrl } from '../redact.js';
import type { Health } from './live-server.js';

/** The reconnect in progress, as `/healthz` shows it. */
export interface ReconnectHealth {
  /** 1 for the first retry after a failure, then 2, 3, … until a frame gets through. */
  readonly attempt: number;
  /** What made the source fail (credentials hidden), or `the feed ended`. */
  readonly lastError: string;
  /** When the next attempt starts (ISO 8601), and in how many ms (0 once it is under way). */
  readonly nextRetryAt: string;
  readonly nextRetryInMs: number;
}

/**
 * Remembers the reconnect in progress. Tell it {@link retrying} at each
 * failure and {@link opened} when frames flow again.
 */
export class SourceRetries {
  #current: { attempt: number; lastError: string; nextRetryMs: number } | null = null;

  /** A failure: attempt `attempt` starts in `delayMs` (from `nowMs`, epoch ms). */
  retrying(attempt: number, delayMs: number, reason: unknown, nowMs: number): void {
    const why = reason === 'ended' ? 'the feed ended' : reason instanceof Error ? reason.message : String(reason);
    this.#current = { attempt, lastError: redactUrl(why), nextRetryMs: nowMs + delayMs };
  }

  /** The source delivers again: nothing to report. */
  opened(): void {
    this.#current = null;
  }

  /** The reconnect in progress, or `null` when there is none. */
  snapshot(nowMs: number): ReconnectHealth | null {
    const c = this.#current;
    if (c === null) return null;
    return { attempt: c.attempt, lastError: c.lastError, nextRetryAt: new Date(c.nextRetryMs).toISOString(), nextRetryInMs: Math.max(0, Math.round(c.nextRetryMs - nowMs)) };
  }
}

/** The parts of the live run's status `/healthz` reports. */
export interface LiveHealthInput {
  readonly state: string;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly dropped: number;
  readonly lastFrameMs: number | null;
  readonly error: string | null;
}

/**
 * The `/healthz` document: `ok` while the source is live and delivered a frame
 * within `staleMs`; the source as a label without credentials; `reconnect`
 * while it reconnects.
 */
export function liveHealth(status: LiveHealthInput, o: { nowMs: number; staleMs: number; viewers: number; source: string; retries: SourceRetries }): Health {
  const fresh = status.lastFrameMs !== null && o.nowMs - status.lastFrameMs < o.staleMs;
  return {
    ok: status.state === 'live' && fresh,
    state: status.state,
    source: o.source,
    framesIn: status.framesIn,
    framesOut: status.framesOut,
    dropped: status.dropped,
    lastFrameAgoMs: status.lastFrameMs === null ? null : Math.max(0, Math.round(o.nowMs - status.lastFrameMs)),
    viewers: o.viewers,
    error: status.error === null ? null : redactUrl(status.error),
    reconnect: o.retries.snapshot(o.nowMs),
  };
}
