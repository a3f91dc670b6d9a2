/**
 * Fan-out of the live stream to any number of WebSocket viewers.
 *
 * Each viewer has, per track, a state: `waiting` for a key frame or `live`.
 * A viewer joining mid-stream starts `waiting`, and asks the encoder for a
 * key frame so it need not wait a whole key-frame interval. A viewer whose
 * socket backs up (`bufferedAmount` above the limit) is put back to
 * `waiting`: it skips frames until the next key frame finds its buffer
 * drained, and the others never wait for it. Messages from viewers are size-
 * limited (ws `maxPayload`) and validated; repeated bad messages close the
 * connection with 1008.
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../live/clock.js';
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

/** Hooks the hub calls; all optional. */
export interface StreamHubEvents {
  /** A viewer needs a key frame on `track` (rate-limited by `keyRequestIntervalMs`). */
  readonly onKeyFrameNeeded?: (track: TrackName) => void;
  /** A video message was not sent to a viewer (waiting for a key frame or backed up). */
  readonly onSkip?: (reason: 'waiting-key' | 'backpressure') => void;
  readonly onBadMessage?: () => void;
  /** A viewer's latency report (ms from capture to display, one per drawn frame). */
  readonly onReport?: (report: Extract<ClientMessage, { type: 'report' }>) => void;
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
}

interface Viewer {
  readonly ws: WebSocket;
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
  #closed = false;

  constructor(options: StreamHubOptions, events: StreamHubEvents = {}) {
    this.#options = options;
    this.#events = events;
  }

  /** Number of connected viewers. */
  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Takes over an accepted socket: sends `hello` and starts it at the next key frame. */
  attach(ws: WebSocket): void {
    if (this.#closed) {
      ws.close(1001, 'server closing');
      return;
    }
    const viewer: Viewer = { ws, tracks: new Set(['restored', 'original']), maps: true, live: new Set(), sentConfig: new Map(), bad: 0 };
    this.#viewers.add(viewer);
    this.#events.onViewers?.(this.#viewers.size);
    ws.on('message', (data, isBinary) => this.#onMessage(viewer, data, isBinary));
    ws.on('close', () => {
      this.#viewers.delete(viewer);
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
    const reject = (error: string): void => {
      viewer.bad += 1;
      this.#events.onBadMessage?.();
      this.#sendJson(viewer, { type: 'error', code: 'ERR_WS_BAD_MESSAGE', message: error });
      if (viewer.bad >= this.#options.maxBadMessages) viewer.ws.close(1008, 'too many invalid messages');
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
        this.#events.onReport?.(message);
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

  #sendJson(viewer: Viewer, message: Readonly<Record<string, unknown>>): void {
    if (viewer.ws.readyState === viewer.ws.OPEN) viewer.ws.send(JSON.stringify(message));
  }
}
