// @ts-check
/**
 * The viewer side of the WebSocket protocol (see src/server/protocol.ts, which
 * this mirrors; a unit test decodes the server's messages with this module).
 */

export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 24;
export const KIND_VIDEO = 1;
export const KIND_MAPS = 2;
export const TRACK_RESTORED = 0;
export const TRACK_ORIGINAL = 1;
export const FLAG_KEY = 1;
export const FLAG_PASS_THROUGH = 2;
export const TRACK_NAMES = /** @type {const} */ (['restored', 'original']);

/**
 * @typedef {object} VideoMessage
 * @property {'video'} kind
 * @property {'restored' | 'original'} track
 * @property {boolean} key
 * @property {boolean} passThrough
 * @property {number} seq
 * @property {number} captureMs
 * @property {number} publishMs
 * @property {Uint8Array} data  Annex-B access unit
 */

/**
 * @typedef {object} MapsMessage
 * @property {'maps'} kind
 * @property {number} seq
 * @property {number} captureMs
 * @property {number} width
 * @property {number} height
 * @property {number[]} weights  low, haze, rain, snow
 * @property {Uint8Array[]} planes  4 planes of width * height bytes
 */

/**
 * Close code of a connection refused for its token (the server's
 * `CLOSE_UNAUTHORIZED` in src/server/auth.ts): reason `token required` or `token rejected`.
 */
export const CLOSE_UNAUTHORIZED = 4401;

/**
 * Text (JSON) messages from the server.
 * @typedef {{ type: 'hello', version: number, serverMs: number, factors: string[], source: string, sourceLabel?: string, pipeline: string }} HelloMessage
 * @typedef {{ type: 'config', track: 'restored' | 'original', codec: string, width: number, height: number }} ConfigMessage
 * @typedef {{ type: 'stats', state: string, fpsIn: number, fpsOut: number, framesIn: number, dropped: number, serverLatencyMs: number | null, viewers: number }} StatsMessage
 * @typedef {{ type: 'pong', id: number, t: number, serverMs: number }} PongMessage
 * @typedef {{ type: 'source', state: string, attempt: number, delayMs: number, reason?: string }} SourceMessage
 * @typedef {{ type: 'error', code: string, message: string }} ErrorMessage
 * @typedef {HelloMessage | ConfigMessage | StatsMessage | PongMessage | SourceMessage | ErrorMessage} ServerJson
 */

/**
 * Decodes a binary message from the server.
 * @param {ArrayBuffer} buffer
 * @returns {VideoMessage | MapsMessage | null} null for a message this viewer does not understand
 */
export function decodeBinary(buffer) {
  if (buffer.byteLength < HEADER_BYTES) return null;
  const view = new DataView(buffer);
  if (view.getUint8(3) !== PROTOCOL_VERSION) return null;
  const kind = view.getUint8(0);
  const track = view.getUint8(1);
  const flags = view.getUint8(2);
  const seq = view.getUint32(4, true);
  const captureMs = view.getFloat64(8, true);
  const publishMs = view.getFloat64(16, true);
  if (kind === KIND_VIDEO) {
    const name = TRACK_NAMES[track];
    if (name === undefined) return null;
    return {
      kind: 'video',
      track: name,
      key: (flags & FLAG_KEY) !== 0,
      passThrough: (flags & FLAG_PASS_THROUGH) !== 0,
      seq,
      captureMs,
      publishMs,
      data: new Uint8Array(buffer, HEADER_BYTES),
    };
  }
  if (kind === KIND_MAPS) {
    if (buffer.byteLength < HEADER_BYTES + 20) return null;
    const width = view.getUint16(HEADER_BYTES, true);
    const height = view.getUint16(HEADER_BYTES + 2, true);
    const weights = [0, 1, 2, 3].map((i) => view.getFloat32(HEADER_BYTES + 4 + i * 4, true));
    const plane = width * height;
    const start = HEADER_BYTES + 20;
    if (buffer.byteLength < start + 4 * plane) return null;
    const planes = [0, 1, 2, 3].map((i) => new Uint8Array(buffer, start + i * plane, plane));
    return { kind: 'maps', seq, captureMs, width, height, weights, planes };
  }
  return null;
}
