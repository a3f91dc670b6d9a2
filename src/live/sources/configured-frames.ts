/**
 * The frames of the source `f2d serve` is configured with: opened at the
 * processing size, looped (files) or reconnected with back-off (feeds).
 */
import type { Observable } from 'rxjs';
import type { ServeConfig } from '../../config/types.js';
import { reconnectWithBackoff } from '../operators/reconnect.js';
import type { LiveFrame } from '../types.js';
import { sourceFrames$ } from './source-frames.js';
import type { SourceSpec } from './source-uri.js';

/** What the caller hears about the source. */
export interface SourceHooks {
  /** The source opened (again), with its nominal frame rate when it has one. */
  readonly onOpen: (fps: number | null) => void;
  /** A feed failed or ended and is reopened after `delayMs`. */
  readonly onRetry: (attempt: number, delayMs: number, reason: unknown) => void;
}

/** The frames of the configured source, reconnecting with back-off when it is a feed. */
export function configuredFrames$(spec: SourceSpec, serve: Pick<ServeConfig, 'loop' | 'width' | 'height' | 'reconnect'>, hooks: SourceHooks): Observable<LiveFrame> {
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
