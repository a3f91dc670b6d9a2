import { Observable } from 'rxjs';
import { LiveInput, type LiveInputInfo } from '../../media/live/index.js';
import { nowMs } from '../../clock.js';
import type { LiveFrame } from '../types.js';
import type { SourceSpec } from './source-uri.js';

/** Settings of {@link sourceFrames$}. */
export interface SourceFramesOptions {
  /** Output size (the source's own size when absent). */
  readonly width?: number;
  readonly height?: number;
  /** Start again at the end (files and the demo). */
  readonly loop: boolean;
  /** Told each time the input opens (after a reconnect too). */
  readonly onOpen?: (info: LiveInputInfo) => void;
  /** Shared frame counter, so sequence numbers keep growing across reconnects. */
  readonly counter?: { seq: number };
}

/** If a paced source falls this far behind its timestamps (a stall), it restarts its clock instead of rushing. */
const MAX_LAG_MS = 500;

/**
 * Frames of one live input as an Observable; the input is opened on
 * subscription and closed on unsubscribe, completion or error.
 *
 * Paced sources (`spec.pace === 'pts'`) are emitted when their timestamps fall
 * due on the wall clock, so a file plays at its own frame rate (variable
 * rates included); their capture time is that moment. Arrival-paced sources
 * (cameras, RTSP) are emitted as decoded, stamped with the packet's arrival.
 *
 * Errors are the {@link LiveInput} errors (non-fatal for a feed that is down or
 * stalls, so a reconnect operator can retry them).
 */
export function sourceFrames$(spec: SourceSpec, options: SourceFramesOptions): Observable<LiveFrame> {
  // Outside the subscribe function: a resubscription (a reconnect) keeps counting.
  const counter = options.counter ?? { seq: 0 };
  return new Observable<LiveFrame>((subscriber) => {
    let stopped = false;
    let input: LiveInput | null = null;
    let wake: (() => void) | null = null;
    let sleepTimer: NodeJS.Timeout | null = null;
    const sleep = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        wake = resolve;
        sleepTimer = setTimeout(resolve, ms);
      });

    const run = async (): Promise<void> => {
      let clock: { wallMs: number; pts: number } | null = null;
      let loopOffset = 0;
      do {
        const opened = await LiveInput.open(spec.url, {
          ...(spec.format === undefined ? {} : { format: spec.format }),
          options: spec.options,
          ...(options.width === undefined || options.height === undefined ? {} : { width: options.width, height: options.height }),
        });
        if (stopped) {
          await opened.close();
          return;
        }
        input = opened;
        options.onOpen?.(opened.info);
        const frameSeconds = 1 / (opened.info.fps ?? 25);
        let first: number | null = null;
        let last = 0;
        let index = 0;
        for (;;) {
          const picture = await opened.read();
          if (stopped || picture === null) break;
          let captureMs = picture.readMs;
          if (spec.pace === 'pts') {
            const raw = picture.ptsSeconds ?? index * frameSeconds;
            first ??= raw;
            last = raw;
            const pts = raw - first + loopOffset;
            clock ??= { wallMs: nowMs(), pts };
            let due = clock.wallMs + (pts - clock.pts) * 1000;
            if (nowMs() - due > MAX_LAG_MS) {
              clock = { wallMs: nowMs(), pts };
              due = clock.wallMs;
            }
            const wait = due - nowMs();
            if (wait > 1) await sleep(wait);
            if (stopped) break;
            captureMs = nowMs();
          }
          index += 1;
          subscriber.next({
            seq: counter.seq++,
            width: picture.width,
            height: picture.height,
            data: picture.data,
            captureMs,
            ptsSeconds: picture.ptsSeconds,
          });
        }
        input = null;
        await opened.close();
        loopOffset += (first === null ? 0 : last - first) + frameSeconds;
      } while (options.loop && !stopped);
      if (!stopped) subscriber.complete();
    };

    run().catch((err: unknown) => {
      if (!stopped) subscriber.error(err);
    });

    return () => {
      stopped = true;
      if (sleepTimer !== null) clearTimeout(sleepTimer);
      wake?.();
      const open = input;
      input = null;
      if (open !== null) {
        open.interrupt();
        // close() waits for the pending read; nothing to report if it fails at teardown.
        open.close().catch(() => undefined);
      }
    };
  });
}
