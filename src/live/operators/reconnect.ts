import { type MonoTypeOperatorFunction, repeat, retry, tap, throwError, timer } from 'rxjs';
import { F2dError } from '../../errors.js';

/** Settings of {@link reconnectWithBackoff}. */
export interface ReconnectOptions {
  /** First wait after a failure, in ms. */
  readonly initialDelayMs: number;
  /** Longest wait, in ms; the wait doubles after each failed attempt up to this. */
  readonly maxDelayMs: number;
  /** Called before each wait with the attempt number (1-based), the wait and what happened. */
  readonly onReconnect?: (info: { attempt: number; delayMs: number; reason: unknown }) => void;
}

/** `true` for errors worth retrying: the project's non-fatal errors (a feed that is down, a read timeout). */
export function isRetryable(err: unknown): boolean {
  return err instanceof F2dError && !err.fatal;
}

/**
 * Resubscribes to a live source when it fails with a non-fatal error or
 * ends (a feed that ends has dropped), waiting `initialDelayMs`, then twice
 * as long each time up to `maxDelayMs`. The wait resets once a value gets
 * through. Fatal errors (bad URI, no video stream, unknown codec) pass
 * through: retrying them cannot help. This is the one place that decides what
 * a live source retries.
 *
 * @example
 * rtspFrames$.pipe(reconnectWithBackoff({ initialDelayMs: 500, maxDelayMs: 10_000 }))
 */
export function reconnectWithBackoff<T>(options: ReconnectOptions): MonoTypeOperatorFunction<T> {
  return (source) => {
    let attempt = 0;
    const nextDelay = (reason: unknown): number => {
      attempt += 1;
      const delayMs = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      options.onReconnect?.({ attempt, delayMs, reason });
      return delayMs;
    };
    return source.pipe(
      tap(() => {
        attempt = 0;
      }),
      repeat({ delay: () => timer(nextDelay('ended')) }),
      retry({
        resetOnSuccess: false,
        delay: (err: unknown) => (isRetryable(err) ? timer(nextDelay(err)) : throwError(() => err)),
      }),
    );
  };
}
