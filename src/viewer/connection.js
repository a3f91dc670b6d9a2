// @ts-check
/**
 * The WebSocket to the server: connects (with the page's token), reconnects
 * with back-off when the connection drops, pings for clock sync, and hands
 * decoded messages to the page. A refused token stops the retries: retrying
 * cannot fix it (see close-reasons.js).
 */
import { localNow } from './clock.js';
import { explainClose } from './close-reasons.js';
import { decodeBinary } from './protocol.js';

/** @typedef {import('./protocol.js').ServerJson} ServerJson */
/** @typedef {Exclude<ServerJson, import('./protocol.js').PongMessage> | (import('./protocol.js').PongMessage & { sentLocal: number })} ConnectionJson a pong comes with the local time its ping was sent */
/** @typedef {'connecting' | 'open' | 'closed' | 'unauthorized'} ConnectionState */

/**
 * @typedef {object} ConnectionHandlers
 * @property {(message: ConnectionJson) => void} onJson
 * @property {(message: NonNullable<ReturnType<typeof decodeBinary>>) => void} onBinary
 * @property {(state: ConnectionState, detail: string) => void} onState
 */

export class Connection {
  /**
   * @param {string} url ws:// or wss:// URL
   * @param {ConnectionHandlers} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.retryMs = 500;
    this.pingId = 0;
    /** @type {Map<number, number>} ping id → local send time */
    this.pings = new Map();
    /** @type {ReturnType<typeof setInterval> | null} */
    this.pingTimer = null;
    this.stopped = false;
    this.reconnects = 0;
  }

  connect() {
    if (this.stopped) return;
    this.handlers.onState('connecting', this.url.replace(/token=[^&]+/, 'token=…'));
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.handlers.onState('open', '');
      // A burst of pings first: the clock offset's error is up to half a round trip, and the
      // shortest of several round trips right after connecting gives a good estimate at once.
      let burst = 0;
      this.ping();
      this.pingTimer = setInterval(() => {
        burst += 1;
        if (burst <= 10 || burst % 10 === 0) this.ping();
      }, 200);
    };
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') {
        const message = /** @type {ServerJson} */ (JSON.parse(event.data));
        if (message.type === 'pong') {
          const sent = this.pings.get(message.id);
          this.pings.delete(message.id);
          if (sent !== undefined) this.handlers.onJson({ ...message, sentLocal: sent });
          return;
        }
        this.handlers.onJson(message);
        return;
      }
      const decoded = decodeBinary(event.data);
      if (decoded !== null) this.handlers.onBinary(decoded);
    };
    ws.onclose = (event) => {
      if (this.pingTimer !== null) clearInterval(this.pingTimer);
      this.pingTimer = null;
      this.ws = null;
      const why = explainClose(event.code, event.reason);
      if (!why.retry) {
        this.stopped = true;
        this.handlers.onState(why.state, why.text);
        return;
      }
      this.handlers.onState(why.state, this.stopped ? why.text : `${why.text} Retrying in ${(this.retryMs / 1000).toFixed(1)} s…`);
      if (this.stopped) return;
      setTimeout(() => {
        this.reconnects += 1;
        this.connect();
      }, this.retryMs);
      this.retryMs = Math.min(5000, this.retryMs * 2);
    };
  }

  ping() {
    const id = ++this.pingId;
    this.pings.set(id, localNow());
    if (this.pings.size > 16) this.pings.delete(/** @type {number} */ (this.pings.keys().next().value));
    this.send({ type: 'ping', id, t: localNow() });
  }

  /** @param {object} message */
  send(message) {
    if (this.ws !== null && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    this.stopped = true;
    this.ws?.close(1000, 'viewer closed');
  }
}
