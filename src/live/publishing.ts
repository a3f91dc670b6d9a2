/**
 * Publishing the restored live stream to a media server (`serve.publish`,
 * `--publish`), a side job of the live pipeline like the recording: the
 * publisher opens at the first published frame (its size is known then) and
 * is rebuilt when the size changes. The server being down or going away is
 * logged and counted, never passed on: the viewers and the recording go on.
 */
import type { Logger } from '../log.js';
import { redactStreamKey, redactUrl } from '../redact.js';
import { LivePublisher, publishTarget, type Backoff, type EncodedPicture } from '../media/live/index.js';
import type { LiveMetrics } from './live-metrics.js';
import type { ProcessedFrame } from './types.js';

/** What {@link LivePublishing} needs besides the URL. */
export interface LivePublishingDeps {
  readonly backoff: Backoff;
  readonly metrics: Pick<LiveMetrics, 'publishFrames' | 'publishDropped' | 'publishReconnects' | 'publishUp'>;
  readonly log: Logger;
  /** Makes the restored track's next picture a key frame (a (re)connection starts at one). */
  readonly requestKeyFrame: () => void;
}

export class LivePublishing {
  readonly #url: string | null;
  /** The URL with its secrets hidden, for logs. */
  readonly #label: string;
  readonly #deps: LivePublishingDeps;
  #publisher: Promise<LivePublisher> | null = null;
  #size = '';
  #closed = false;
  /** For `/healthz`: the connection's state and, while down, why. */
  #state: 'waiting for the first frame' | 'connecting' | 'up' | 'down' = 'waiting for the first frame';
  #lastError: string | null = null;
  #failed = false;

  /**
   * `url` null: publishes nothing.
   *
   * @throws F2dError `ERR_PUBLISH_URL` at once (at startup) for a URL that cannot be published to.
   */
  constructor(url: string | null, deps: LivePublishingDeps) {
    this.#label = url === null ? '' : publishTarget(url).label;
    this.#url = url;
    this.#deps = deps;
  }

  /** Hands one published frame's restored picture (already encoded) to the server. Never throws, never waits. */
  write(frame: ProcessedFrame, restored: EncodedPicture): void {
    const url = this.#url;
    if (url === null || this.#closed || this.#failed) return;
    const { width, height } = frame.output;
    if (this.#publisher === null || `${width}x${height}` !== this.#size) {
      // A new size is a new stream for the server (its SDP or FLV header names the old size): end the old one first.
      const previous = this.#publisher;
      this.#size = `${width}x${height}`;
      this.#publisher = (async () => {
        await (await previous)?.close();
        return this.#open(url, width, height);
      })();
    }
    // In order: `then` callbacks on one promise run in the order they were added.
    this.#publisher
      .then((p) => {
        if (!this.#closed) p.write(restored.data, restored.key, frame.source.captureMs);
      })
      .catch((err: unknown) => {
        // Not the network (the publisher handles that): a bug. Report once; the live stream goes on.
        if (!this.#failed) this.#deps.log.error(`publishing stopped: ${(err as Error).message}`);
        this.#failed = true;
      });
  }

  /**
   * What `/healthz` shows of the publishing (null when not publishing). A server that is down does
   * not make the stream unhealthy: the viewers and the recording still get every frame.
   */
  health(): { readonly target: string; readonly state: string; readonly lastError: string | null } | null {
    return this.#url === null ? null : { target: this.#label, state: this.#state, lastError: this.#lastError };
  }

  /** Ends the stream on the server; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const publisher = await this.#publisher?.catch(() => null);
    await publisher?.close();
  }

  #open(url: string, width: number, height: number): Promise<LivePublisher> {
    const { metrics, log, backoff, requestKeyFrame } = this.#deps;
    const label = this.#label;
    return LivePublisher.create({
      url,
      width,
      height,
      backoff,
      events: {
        onConnecting: (attempt) => {
          this.#state = 'connecting';
          if (attempt > 1) metrics.publishReconnects.inc();
        },
        onConnected: (attempt) => {
          this.#state = 'up';
          this.#lastError = null;
          metrics.publishUp.set(1);
          log.info(`publishing the restored stream to ${label}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        },
        onDisconnected: (reason, delayMs, attempt) => {
          this.#state = 'down';
          this.#lastError = redactStreamKey(redactUrl(reason));
          metrics.publishUp.set(0);
          log.warn(`publishing to ${label}: ${reason}; dropping frames, retrying in ${delayMs} ms at a key frame (attempt ${attempt})`);
        },
        onStalled: (ms) => log.warn(`publishing to ${label}: the server has not answered for ${ms} ms; dropping frames meanwhile`),
        onKeyFrameNeeded: requestKeyFrame,
        onPublished: () => metrics.publishFrames.inc(),
        onDropped: () => metrics.publishDropped.inc(),
      },
    });
  }
}
