/**
 * Fan-out of the live stream to any number of WebSocket viewers.
 *
 * Each viewer has, per track, a state: `waiting` for a key frame or `live`.
 * A viewer joining mid-stream starts `waiting`, and asks the encoder for a
 * key frame so it need not wait a whole key-frame interval. A viewer whose
 * socket backs up (`bufferedAmount` above the limit) is put back to
 * `waiting`: it skips frames until the next key frame finds its buffer
 * drained, and the others never wait for it. Text replies (pong, stats,
 * errors) are bounded the same way: a viewer whose queue is full gets none,
 * so a client that sends but never reads cannot make the server queue without
 * bound. Messages from viewers are size-limited (ws `maxPayload`), rate-limited
 * (a token bucket: {@link DEFAULT_MESSAGE_RATE}) and validated; a viewer that
 * sends too fast, or keeps sending invalid messages, is closed with 1008 and a
 * reason saying which.
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../clock.js';
import {
  FLAG_KEY,
  FLAG_PASS_THROUGH,
  KIND_MAPS,
  KIND_VIDEO,
  PROTOCOL_VERSION,
  TRACK_IDS,
  encodeMapsPayload,
  encodeMessage,
  parseClientMessage,
  type ClientMessage,
  type TrackName,
} from './protocol.js';

/** Codec parameters of one track, from its SPS. */
export interface TrackConfig {
  readonly codec: string;
  readonly width: number;
  readonly height: number;
}

/** One encoded picture to publish. */
export interface VideoMessage {
  readonly track: TrackName;
  readonly data: Uint8Array;
  readonly key: boolean;
  readonly passThrough: boolean;
  readonly seq: number;
  readonly captureMs: number;
  /** Present on key frames that carry an SPS. */
  readonly config: TrackConfig | null;
}

/** Parser outputs to publish. */
export interface MapsMessage {
  readonly seq: number;
  readonly captureMs: number;
  readonly width: number;
  readonly height: number;
  readonly weights: readonly number[];
  readonly planes: readonly Uint8Array[];
}

/** A viewer may send `burst` messages at once, then `perSecond` on average. */
export interface MessageRate {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * The viewer page sends about 5 messages a second at most (a burst of pings
 * for clock sync after connecting, then one ping every 2 s and one report a
 * second), so 20/s with a burst of 40 never touches a real viewer.
 */
export const DEFAULT_MESSAGE_RATE: MessageRate = { perSecond: 20, burst: 40 };

/** Why the hub closed a viewer (1008). */
export type PolicyCloseReason = 'rate-limit' | 'invalid-messages';

/** Hooks the hub calls; all optional. */
export interface StreamHubEvents {
  /** A viewer needs a key frame on `track` (rate-limited by `keyRequestIntervalMs`). */
  readonly onKeyFrameNeeded?: (track: TrackName) => void;
  /** A video message was not sent to a viewer (waiting for a key frame or backed up). */
  readonly onSkip?: (reason: 'waiting-key' | 'backpressure') => void;
  readonly onBadMessage?: () => void;
  /** A text message (pong, stats, error) was not sent because the viewer's queue was full. */
  readonly onReplyDropped?: () => void;
  /** A viewer was disconnected for sending too fast or too many invalid messages. */
  readonly onPolicyClose?: (reason: PolicyCloseReason) => void;
  /** A viewer's report (its fps, and ms from capture to display per drawn frame); `viewer` is its id. */
  readonly onReport?: (report: Extract<ClientMessage, { type: 'report' }>, viewer: string) => void;
  /** A viewer left (its id, as given to `onReport`). */
  readonly onViewerLeft?: (viewer: string) => void;
  readonly onViewers?: (count: number) => void;
}

/** Settings of {@link StreamHub}. */
export interface StreamHubOptions {
  /** A viewer with more than this many bytes queued skips to the next key frame. */
  readonly maxBufferedBytes: number;
  /** Minimum time between two key-frame requests for the same track. */
  readonly keyRequestIntervalMs: number;
  /** Bad messages a viewer may send before it is disconnected. */
  readonly maxBadMessages: number;
  /** Sent in `hello`: what the viewer will receive. */
  readonly hello: Readonly<Record<string, unknown>>;
  /** How fast a viewer may send; {@link DEFAULT_MESSAGE_RATE} when absent. */
  readonly messageRate?: MessageRate;
}

interface Viewer {
  /** A number in order of arrival, as a string (a metric label); never the address. */
  readonly id: string;
  readonly ws: WebSocket;
  /** Messages the viewer may still send now (token bucket), and when it was last refilled. */
  tokens: number;
  refilledMs: number;
  readonly tracks: Set<TrackName>;
  maps: boolean;
  readonly live: Set<TrackName>;
  readonly sentConfig: Map<TrackName, TrackConfig>;
  bad: number;
}

/**
 * The set of connected viewers and the fan-out policy. Not a server: attach
 * sockets accepted elsewhere (see `live-server.ts`).
 */
export class StreamHub {
  readonly #viewers = new Set<Viewer>();
  readonly #configs = new Map<TrackName, TrackConfig>();
  readonly #lastKeyRequest = new Map<TrackName, number>();
  readonly #deferredKey = new Map<TrackName, NodeJS.Timeout>();
  readonly #options: StreamHubOptions;
  readonly #events: StreamHubEvents;
  readonly #rate: MessageRate;
  #nextId = 1;
  #closed = false;

  constructor(options: StreamHubOptions, events: StreamHubEvents = {}) {
    this.#options = options;
    this.#events = events;
    this.#rate = options.messageRate ?? DEFAULT_MESSAGE_RATE;
  }

  /** Number of connected viewers. */
  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Bytes queued for each viewer (id → its WebSocket `bufferedAmount`). */
  queuedBytes(): Map<string, number> {
    return new Map([...this.#viewers].map((v) => [v.id, v.ws.bufferedAmount]));
  }

  /** Takes over an accepted socket: sends `hello` and starts it at the next key frame. */
  attach(ws: WebSocket): void {
    if (this.#closed) {
      ws.close(1001, 'server closing');
      return;
    }
    const viewer: Viewer = {
      id: String(this.#nextId++),
      ws,
      tokens: this.#rate.burst,
      refilledMs: nowMs(),
      tracks: new Set(['restored', 'original']),
      maps: true,
      live: new Set(),
      sentConfig: new Map(),
      bad: 0,
    };
    this.#viewers.add(viewer);
    this.#events.onViewers?.(this.#viewers.size);
    ws.on('message', (data, isBinary) => this.#onMessage(viewer, data, isBinary));
    ws.on('close', () => {
      this.#viewers.delete(viewer);
      this.#events.onViewerLeft?.(viewer.id);
      this.#events.onViewers?.(this.#viewers.size);
    });
    // A socket error is followed by 'close'; nothing else to do, but an unhandled 'error' would crash.
    ws.on('error', () => undefined);
    this.#sendJson(viewer, { type: 'hello', version: PROTOCOL_VERSION, serverMs: nowMs(), ...this.#options.hello });
    for (const track of viewer.tracks) this.#requestKey(track);
  }

  /** Sends one encoded picture to every viewer that can take it. */
  publishVideo(message: VideoMessage): void {
    if (message.config !== null) this.#configs.set(message.track, message.config);
    let bytes: Buffer | null = null;
    for (const viewer of this.#viewers) {
      if (!viewer.tracks.has(message.track)) continue;
      const backedUp = viewer.ws.bufferedAmount > this.#options.maxBufferedBytes;
      if (!viewer.live.has(message.track)) {
        if (!message.key || backedUp) {
          this.#events.onSkip?.('waiting-key');
          continue;
        }
        const config = this.#configs.get(message.track);
        if (config !== undefined && viewer.sentConfig.get(message.track) !== config) {
          this.#sendJson(viewer, { type: 'config', track: message.track, ...config });
          viewer.sentConfig.set(message.track, config);
        }
        viewer.live.add(message.track);
      } else if (backedUp) {
        viewer.live.delete(message.track);
        this.#events.onSkip?.('backpressure');
        this.#requestKey(message.track);
        continue;
      }
      bytes ??= encodeMessage(
        {
          kind: KIND_VIDEO,
          track: TRACK_IDS[message.track],
          flags: (message.key ? FLAG_KEY : 0) | (message.passThrough ? FLAG_PASS_THROUGH : 0),
          seq: message.seq,
          captureMs: message.captureMs,
          publishMs: nowMs(),
        },
        message.data,
      );
      viewer.ws.send(bytes, { binary: true });
    }
  }

  /** Sends parser maps to viewers that asked for them and are not backed up. */
  publishMaps(message: MapsMessage): void {
    let bytes: Buffer | null = null;
    for (const viewer of this.#viewers) {
      if (!viewer.maps || viewer.ws.bufferedAmount > this.#options.maxBufferedBytes) continue;
      bytes ??= encodeMessage(
        { kind: KIND_MAPS, track: 0, flags: 0, seq: message.seq, captureMs: message.captureMs, publishMs: nowMs() },
        encodeMapsPayload(message.width, message.height, message.weights, message.planes),
      );
      viewer.ws.send(bytes, { binary: true });
    }
  }

  /** Sends a JSON message (stats, source state) to every viewer. */
  broadcast(message: Readonly<Record<string, unknown>>): void {
    for (const viewer of this.#viewers) this.#sendJson(viewer, message);
  }

  /** Closes every viewer connection (1001) and refuses new ones; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#deferredKey.values()) clearTimeout(timer);
    this.#deferredKey.clear();
    for (const viewer of this.#viewers) viewer.ws.close(1001, 'server closing');
  }

  #onMessage(viewer: Viewer, data: unknown, isBinary: boolean): void {
    // Messages still arriving after the server closed the viewer get no answer.
    if (viewer.ws.readyState !== viewer.ws.OPEN) return;
    if (!this.#takeToken(viewer)) {
      this.#policyClose(viewer, 'rate-limit', `too many messages: at most ${this.#rate.perSecond} a second`);
      return;
    }
    const reject = (error: string): void => {
      viewer.bad += 1;
      this.#events.onBadMessage?.();
      this.#sendJson(viewer, { type: 'error', code: 'ERR_WS_BAD_MESSAGE', message: error });
      if (viewer.bad >= this.#options.maxBadMessages) this.#policyClose(viewer, 'invalid-messages', 'too many invalid messages');
    };
    if (isBinary) {
      reject('binary messages are not accepted; send JSON text');
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      reject(parsed.error);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        this.#sendJson(viewer, { type: 'pong', id: message.id, t: message.t, serverMs: nowMs() });
        break;
      case 'subscribe': {
        viewer.maps = message.maps;
        const wanted = new Set<TrackName>(message.tracks);
        for (const track of [...viewer.tracks]) if (!wanted.has(track)) {
          viewer.tracks.delete(track);
          viewer.live.delete(track);
        }
        for (const track of wanted) if (!viewer.tracks.has(track)) {
          viewer.tracks.add(track);
          this.#requestKey(track);
        }
        break;
      }
      case 'report':
        this.#events.onReport?.(message, viewer.id);
        break;
    }
  }

  #requestKey(track: TrackName): void {
    if (this.#closed) return;
    const now = nowMs();
    const last = this.#lastKeyRequest.get(track);
    const wait = last === undefined ? 0 : last + this.#options.keyRequestIntervalMs - now;
    if (wait > 0) {
      // Rate-limited, not forgotten: ask once the interval has passed, unless a viewer
      // already got a key frame meanwhile (then all waiting viewers started on it).
      if (!this.#deferredKey.has(track)) {
        this.#deferredKey.set(
          track,
          setTimeout(() => {
            this.#deferredKey.delete(track);
            if ([...this.#viewers].some((v) => v.tracks.has(track) && !v.live.has(track))) this.#requestKey(track);
          }, wait),
        );
      }
      return;
    }
    this.#lastKeyRequest.set(track, now);
    this.#events.onKeyFrameNeeded?.(track);
  }

  /** Refills the viewer's bucket for the time passed and takes one token; `false` when it is empty. */
  #takeToken(viewer: Viewer): boolean {
    const now = nowMs();
    viewer.tokens = Math.min(this.#rate.burst, viewer.tokens + ((now - viewer.refilledMs) / 1000) * this.#rate.perSecond);
    viewer.refilledMs = now;
    if (viewer.tokens < 1) return false;
    viewer.tokens -= 1;
    return true;
  }

  #policyClose(viewer: Viewer, reason: PolicyCloseReason, text: string): void {
    this.#events.onPolicyClose?.(reason);
    viewer.ws.close(1008, text);
  }

  /** Sends a text message unless the viewer's queue is over the limit (then it is dropped and counted). */
  #sendJson(viewer: Viewer, message: Readonly<Record<string, unknown>>): void {
    if (viewer.ws.readyState !== viewer.ws.OPEN) return;
    if (viewer.ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#events.onReplyDropped?.();
      return;
    }
    viewer.ws.send(JSON.stringify(message));
  }
}
