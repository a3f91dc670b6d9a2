/**
 * The viewer WebSocket protocol, version 1.
 *
 * Server → viewer, binary (little-endian), one message per frame and track:
 *
 * | offset | type | field |
 * |---|---|---|
 * | 0 | u8 | kind: 1 video access unit, 2 parser maps |
 * | 1 | u8 | track: 0 restored, 1 original (maps: 0) |
 * | 2 | u8 | flags: bit 0 key frame, bit 1 passed through unrestored |
 * | 3 | u8 | protocol version (1) |
 * | 4 | u32 | frame sequence number from the source |
 * | 8 | f64 | capture time, server wall clock (ms since epoch) |
 * | 16 | f64 | time the server published the message (ms since epoch) |
 * | 24 | … | payload: Annex-B H.264 access unit; or maps: u16 width, u16 height, 4 × f32 weights, 4 planes of width × height u8 |
 *
 * Server → viewer, text: JSON `hello`, `config` (codec of a track, sent before
 * its first key frame to each viewer), `stats`, `pong`, `error`.
 *
 * Viewer → server, text only, at most {@link MAX_CLIENT_MESSAGE_BYTES}:
 * JSON `ping`, `subscribe`, `report`, validated by {@link parseClientMessage}.
 *
 * The browser side (`src/viewer/protocol.js`) mirrors these constants; a unit
 * test decodes this module's output with it.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 24;
export const KIND_VIDEO = 1;
export const KIND_MAPS = 2;
export const TRACK_RESTORED = 0;
export const TRACK_ORIGINAL = 1;
export const FLAG_KEY = 1;
export const FLAG_PASS_THROUGH = 2;
/** Largest text message a viewer may send; ws closes the connection (1009) above it. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

export type TrackName = 'restored' | 'original';
export const TRACK_IDS: Readonly<Record<TrackName, number>> = { restored: TRACK_RESTORED, original: TRACK_ORIGINAL };

/** Header fields of a binary message. */
export interface MessageHeader {
  readonly kind: number;
  readonly track: number;
  readonly flags: number;
  readonly seq: number;
  readonly captureMs: number;
  readonly publishMs: number;
}

/**
 * Builds a binary message: header + payload in one buffer.
 *
 * @example
 * encodeMessage({ kind: KIND_VIDEO, track: TRACK_RESTORED, flags: FLAG_KEY, seq: 7, captureMs, publishMs }, accessUnit)
 */
export function encodeMessage(header: MessageHeader, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt8(header.kind, 0);
  out.writeUInt8(header.track, 1);
  out.writeUInt8(header.flags, 2);
  out.writeUInt8(PROTOCOL_VERSION, 3);
  out.writeUInt32LE(header.seq >>> 0, 4);
  out.writeDoubleLE(header.captureMs, 8);
  out.writeDoubleLE(header.publishMs, 16);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Reads the header of a binary message; `null` when it is too short or of another version. */
export function decodeHeader(message: Uint8Array): MessageHeader | null {
  if (message.length < HEADER_BYTES) return null;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint8(3) !== PROTOCOL_VERSION) return null;
  return {
    kind: view.getUint8(0),
    track: view.getUint8(1),
    flags: view.getUint8(2),
    seq: view.getUint32(4, true),
    captureMs: view.getFloat64(8, true),
    publishMs: view.getFloat64(16, true),
  };
}

/** Payload of a maps message: size, weights, then 4 planes. */
export function encodeMapsPayload(width: number, height: number, weights: readonly number[], planes: readonly Uint8Array[]): Buffer {
  const plane = width * height;
  const out = Buffer.alloc(4 + 16 + 4 * plane);
  out.writeUInt16LE(width, 0);
  out.writeUInt16LE(height, 2);
  for (let i = 0; i < 4; i++) out.writeFloatLE(weights[i] ?? 0, 4 + i * 4);
  for (let i = 0; i < 4; i++) {
    const p = planes[i];
    if (p !== undefined) out.set(p.subarray(0, plane), 20 + i * plane);
  }
  return out;
}

const ping = z.object({ type: z.literal('ping'), id: z.number().int().nonnegative(), t: z.number().finite() }).strict();
const subscribe = z
  .object({
    type: z.literal('subscribe'),
    tracks: z.array(z.enum(['restored', 'original'])).min(1).max(2),
    maps: z.boolean(),
  })
  .strict();
const report = z
  .object({
    type: z.literal('report'),
    fps: z.number().finite().nonnegative().max(1000),
    /** Glass-to-glass latency of the frames drawn since the last report, in ms. */
    latencyMs: z.array(z.number().finite().nonnegative().max(600_000)).max(256),
    decoded: z.number().int().nonnegative(),
  })
  .strict();

/** A validated message from a viewer. */
export const ClientMessage = z.discriminatedUnion('type', [ping, subscribe, report]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** The result of {@link parseClientMessage}. */
export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; error: string };

/**
 * Parses and validates a viewer's text message.
 *
 * @returns the message, or an error naming what is wrong (never throws).
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return { ok: false, error: `message of ${text.length} bytes exceeds ${MAX_CLIENT_MESSAGE_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'message is not JSON' };
  }
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'message' : issue.path.join('.');
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'} (allowed types: ping, subscribe, report)` };
  }
  return { ok: true, message: parsed.data };
}
