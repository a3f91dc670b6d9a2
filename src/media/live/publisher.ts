/**
 * Pushing the restored live stream to a media server (MediaMTX, nginx-rtmp,
 * SRS, Wowza, an RTMP ingest) that then serves any number of viewers. The
 * already-encoded H.264 access units are forwarded as they are: publishing
 * costs a copy and a socket write per frame, no encoding.
 *
 * A media server is somebody else's machine: it may be down at startup, go
 * away, or stall. None of that may hold up or stop the live pipeline, so
 * {@link LivePublisher.write} returns at once and never throws for the
 * network; frames are dropped (and counted) while disconnected, and the
 * publisher reconnects with back-off, always starting at a key frame.
 */
import { nowMs } from '../../clock.js';
import { InvalidStateError } from '../../errors.js';
import { AnnexBMuxer } from './annexb-muxer.js';
import { backoffDelayMs, publishTarget, type Backoff, type PublishTarget } from './publish-target.js';
import { WriteQueue } from './write-queue.js';

/** What the publisher tells its owner (for logs and metrics). */
export interface LivePublisherEvents {
  /** A connection attempt starts (`attempt` 1 is the first connection; later ones are reconnects). */
  readonly onConnecting?: (attempt: number) => void;
  /** Connected: frames flow to the server from this key frame on. */
  readonly onConnected?: (attempt: number) => void;
  /** A connection failed or broke (`reason`: FFmpeg's message); the next try is in `delayMs`, at a key frame. */
  readonly onDisconnected?: (reason: string, delayMs: number, attempt: number) => void;
  /**
   * The next access unit should be a key frame: a connection attempt is due,
   * or frames were dropped. Without it the server would wait up to a GOP.
   */
  readonly onKeyFrameNeeded?: () => void;
  /**
   * A connection or write has not returned for `ms`: the server accepted the
   * connection but does not answer or take data. Frames are dropped meanwhile.
   * An RTSP connection is then given up (and retried, `onDisconnected`); an RTMP
   * one cannot be interrupted and waits until the server reads or the connection breaks.
   */
  readonly onStalled?: (ms: number) => void;
  /** One access unit went to the server (for the metrics). */
  readonly onPublished?: () => void;
  /** One access unit was not sent (for the metrics; see {@link PublisherStats.dropped}). */
  readonly onDropped?: () => void;
}

/** Settings of {@link LivePublisher}. */
export interface LivePublisherOptions {
  /** `rtsp://`, `rtsps://`, `rtmp://` or `rtmps://` (see `publish-target.ts`). */
  readonly url: string;
  readonly width: number;
  readonly height: number;
  /** Wait between connection attempts: the first, doubling up to the longest. */
  readonly backoff: Backoff;
  /**
   * Access units that may wait for a slow server; past this the publisher
   * drops frames up to the next key frame. 16 is about half a second at 30 fps.
   */
  readonly maxQueued?: number;
  readonly events?: LivePublisherEvents;
}

/** Counters of a {@link LivePublisher}. */
export interface PublisherStats {
  /** Access units the server accepted. */
  readonly published: number;
  /** Access units not sent: disconnected, waiting for a key frame, or the server too slow. */
  readonly dropped: number;
  /** Connection attempts after a failure. */
  readonly reconnects: number;
  readonly connected: boolean;
}

type State = 'down' | 'connecting' | 'up';

/** A connection or write taking longer than this is reported as stalled, and interrupted where FFmpeg can. */
const STALL_MS = 5000;
/** How long {@link LivePublisher.close} waits for a stalled write before leaving it behind. */
const CLOSE_WAIT_MS = 2000;

/**
 * Forwards encoded access units to a media server. Build with
 * {@link LivePublisher.create}; {@link close} ends the stream (idempotent);
 * {@link write} after close throws InvalidStateError.
 *
 * @example
 * const pub = await LivePublisher.create({ url: 'rtsp://127.0.0.1:8554/restored', width: 640, height: 360,
 *   backoff: { initialDelayMs: 500, maxDelayMs: 10_000 }, events: { onKeyFrameNeeded: () => run.requestKeyFrame('restored') } });
 * pub.write(accessUnit, key, captureMs); // returns at once
 * await pub.close();
 */
export class LivePublisher {
  readonly #target: PublishTarget;
  readonly #options: LivePublisherOptions;
  readonly #events: LivePublisherEvents;
  readonly #writes: WriteQueue;
  #state: State = 'down';
  #muxer: AnnexBMuxer | null = null;
  /** Interrupts the current connection's blocking calls (see {@link #checkStall}). */
  #abort = new AbortController();
  /** Failed attempts in a row: they set the back-off. */
  #failures = 0;
  #retryAtMs = 0;
  /** After a drop the stream can only resume at a key frame. */
  #waitingForKey = true;
  #keyAsked = false;
  #closed = false;
  /** When the connection or write in progress started (`null`: none), to notice a stalled server. */
  #busySinceMs: number | null = null;
  #stallReported = false;
  #published = 0;
  #dropped = 0;
  #reconnects = 0;

  private constructor(target: PublishTarget, options: LivePublisherOptions) {
    this.#target = target;
    this.#options = options;
    this.#events = options.events ?? {};
    this.#writes = new WriteQueue(options.maxQueued ?? 16);
  }

  /**
   * Nothing connects yet: the first key frame written does.
   *
   * @throws F2dError `ERR_PUBLISH_URL` for a URL that is not rtsp(s):// or rtmp(s)://.
   */
  static async create(options: LivePublisherOptions): Promise<LivePublisher> {
    return new LivePublisher(publishTarget(options.url), options);
  }

  /** The server's URL with its secrets hidden, for logs. */
  get label(): string {
    return this.#target.label;
  }

  get stats(): PublisherStats {
    return { published: this.#published, dropped: this.#dropped, reconnects: this.#reconnects, connected: this.#state === 'up' };
  }

  /**
   * Hands one access unit (Annex-B) captured at `captureMs` (wall clock) to
   * the server, or drops it. Returns at once.
   *
   * @throws InvalidStateError after {@link close}; never for the network.
   */
  write(data: Uint8Array, key: boolean, captureMs: number): void {
    if (this.#closed) throw new InvalidStateError('ERR_PUBLISH_CLOSED', 'the publisher is closed');
    this.#checkStall();
    if (this.#state === 'down') {
      if (nowMs() < this.#retryAtMs) return this.#drop(false);
      if (!key) return this.#drop(true);
      this.#connect(data, captureMs);
    } else if (this.#waitingForKey && !key) {
      return this.#drop(true);
    }
    if (this.#writes.tryRun(() => this.#timed(() => this.#send(data, key, captureMs))) === null) {
      // The server does not keep up: what is queued goes out, the rest waits for a key frame.
      this.#waitingForKey = true;
      return this.#drop(true);
    }
    this.#waitingForKey = false;
    this.#keyAsked = false;
  }

  #drop(wantKey: boolean): void {
    this.#countDrop();
    if (wantKey && !this.#keyAsked) {
      this.#keyAsked = true;
      this.#events.onKeyFrameNeeded?.();
    }
  }

  /** Queues the connection ahead of the key frame that starts it. */
  #connect(keyFrame: Uint8Array, captureMs: number): void {
    this.#state = 'connecting';
    const attempt = this.#failures + 1;
    if (this.#failures > 0) this.#reconnects += 1;
    this.#events.onConnecting?.(attempt);
    void this.#writes.run(() => this.#timed(() => this.#open(keyFrame, captureMs, attempt)));
  }

  async #open(keyFrame: Uint8Array, captureMs: number, attempt: number): Promise<void> {
    const { url, format, options } = this.#target;
    const { width, height } = this.#options;
    this.#abort = new AbortController();
    try {
      const muxer = await AnnexBMuxer.open({ format, url, width, height, keyFrame, startMs: captureMs, options, signal: this.#abort.signal });
      // Closed while a stalled connection was finishing: nobody is left to close it later.
      if (this.#closed) return await muxer.close();
      this.#muxer = muxer;
      this.#state = 'up';
      this.#events.onConnected?.(attempt);
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Runs one native call, noting when it started (see {@link #checkStall}). */
  async #timed(job: () => Promise<void>): Promise<void> {
    this.#busySinceMs = nowMs();
    try {
      await job();
    } finally {
      this.#busySinceMs = null;
      this.#stallReported = false;
    }
  }

  #checkStall(): void {
    const since = this.#busySinceMs;
    if (since === null || this.#stallReported) return;
    const ms = nowMs() - since;
    if (ms < STALL_MS) return;
    this.#stallReported = true;
    this.#events.onStalled?.(Math.round(ms));
    this.#abort.abort();
  }

  async #send(data: Uint8Array, key: boolean, captureMs: number): Promise<void> {
    const muxer = this.#muxer;
    // Queued before the connection failed or broke.
    if (this.#state !== 'up' || muxer === null) {
      this.#countDrop();
      return;
    }
    try {
      await muxer.write(data, key, captureMs);
      this.#published += 1;
      this.#failures = 0;
      this.#events.onPublished?.();
    } catch (err) {
      this.#countDrop();
      this.#muxer = null;
      // The server is gone: no trailer to send it. The next connection is a new stream.
      await muxer.close({ trailer: false }).catch(() => undefined);
      this.#fail(err);
    }
  }

  #countDrop(): void {
    this.#dropped += 1;
    this.#events.onDropped?.();
  }

  #fail(err: unknown): void {
    this.#state = 'down';
    this.#failures += 1;
    const delayMs = backoffDelayMs(this.#failures, this.#options.backoff);
    this.#retryAtMs = nowMs() + delayMs;
    this.#waitingForKey = true;
    // Asked again once the wait is over (the first frame dropped then asks).
    this.#keyAsked = false;
    // An interrupted call says "Immediate exit requested": say why instead.
    const reason = this.#abort.signal.aborted ? `no answer for ${STALL_MS / 1000} s` : (err as Error).message;
    if (!this.#closed) this.#events.onDisconnected?.(reason, delayMs, this.#failures);
  }

  /** Sends what is queued, ends the stream (RTSP TEARDOWN, FLV end) and disconnects; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // A write stuck on a server that does not read would hold up the shutdown of f2d serve:
    // past a short wait its output is left behind (the process is ending, or the server is gone).
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
    });
    const idle = await Promise.race([this.#writes.idle().then(() => true), waited]);
    clearTimeout(timer);
    if (!idle) return;
    const muxer = this.#muxer;
    this.#muxer = null;
    this.#state = 'down';
    // A server that went away meanwhile cannot be told goodbye; nothing is lost by that.
    await muxer?.close().catch(() => undefined);
  }
}
