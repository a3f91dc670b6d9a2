/**
 * A small but real RTSP 1.0 server for tests: it serves one H.264 stream over
 * TCP-interleaved RTP (RFC 2326 §10.12, RFC 6184 single-NAL and FU-A
 * packetisation) to any number of clients, on an ephemeral port. The clip is
 * encoded once with node-av (x264, no B-frames, SPS/PPS at every key frame, a
 * key frame each second) and its access units are sent looped at the frame
 * rate, so clients see a real-time feed. Stopping and restarting it on the same
 * port is how tests make a camera die and come back.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AV_OPT_SEARCH_CHILDREN, Decoder, Demuxer, Encoder, FF_ENCODER_LIBX264, type Packet } from 'node-av';
import { quietly } from './ffmpeg-log.js';

const AUD = 9;
const MAX_RTP_PAYLOAD = 1400;

/** One encoded picture: Annex-B NAL units with start codes. */
interface AccessUnit {
  readonly data: Buffer;
  readonly key: boolean;
}

/** Encoded clips by `clip@fps`: a server that comes back on the same port does not encode again. */
const encoded = new Map<string, readonly AccessUnit[]>();

/** The clip's video as a live camera would send it: x264 zero-latency, a key frame every `fps` frames. */
function encodeClip(clip: string, fps: number): readonly AccessUnit[] {
  const key = `${clip}@${fps}`;
  const cached = encoded.get(key);
  if (cached) return cached;
  const units: AccessUnit[] = [];
  const keep = (packets: Packet[]): void => {
    for (const p of packets) {
      if (p.data) units.push({ data: Buffer.from(p.data), key: p.isKeyframe });
      p.free();
    }
  };
  const settings: [string, string][] = [
    ['preset', 'ultrafast'],
    ['tune', 'zerolatency'],
    ['x264-params', 'repeat-headers=1'],
  ];
  const demuxer = Demuxer.openSync(clip);
  let decoder: Decoder | null = null;
  let encoder: Encoder | null = null;
  try {
    const video = demuxer.video();
    if (!video) throw new Error(`${clip} has no video stream`);
    decoder = Decoder.createSync(video);
    // Codec options go through setOption: Encoder.create's `options` bag crashes node-av 6.1.1 at exit.
    encoder = Encoder.createSync(FF_ENCODER_LIBX264, {
      decoder,
      configure: (ctx) => {
        ctx.gopSize = fps;
        ctx.maxBFrames = 0;
        for (const [name, value] of settings) {
          if (ctx.setOption(name, value, undefined as never, AV_OPT_SEARCH_CHILDREN) < 0) throw new Error(`libx264 refused ${name}=${value}`);
        }
      },
    });
    const [dec, enc] = [decoder, encoder];
    const feed = (packet: Packet | null): void => {
      for (const frame of dec.decodeAllSync(packet)) {
        try {
          keep(enc.encodeAllSync(frame));
        } finally {
          frame.free();
        }
      }
    };
    for (const packet of demuxer.packetsSync(video.index)) {
      if (packet === null) break;
      try {
        feed(packet);
      } finally {
        packet.free();
      }
    }
    feed(null);
    keep(enc.encodeAllSync(null));
  } finally {
    encoder?.close();
    decoder?.close();
    demuxer.closeSync();
  }
  if (units.length === 0 || !units[0]?.key) throw new Error(`${clip}: the encoded clip does not start with a key frame`);
  encoded.set(key, units);
  return units;
}

interface Session {
  readonly socket: Socket;
  playing: boolean;
  waitingForKey: boolean;
  seq: number;
}

function splitAnnexB(data: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 3 <= data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) units.push(trimZeros(data.subarray(start, i)));
      start = i + 3;
      i += 2;
    }
  }
  if (start >= 0) units.push(data.subarray(start));
  return units.filter((u) => u.length > 0);
}

function trimZeros(unit: Buffer): Buffer {
  let end = unit.length;
  while (end > 0 && unit[end - 1] === 0) end--;
  return unit.subarray(0, end);
}

/** An RTSP server streaming `clip` (looped) at rtsp://127.0.0.1:<port>/live. */
export class TestRtspServer {
  readonly #server: Server;
  readonly #sessions = new Set<Session>();
  readonly #sockets = new Set<Socket>();
  #timer: NodeJS.Timeout | null = null;
  #frame = 0;
  readonly port: number;
  /** Access units sent to at least one client. */
  sent = 0;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/live`;
  }

  /**
   * Starts serving; `port` 0 picks a free one (pass a previous server's port to "come back").
   * The clip's pictures are sent at `fps`, whatever its own rate.
   */
  static async start(clip: string, port = 0, fps = 25): Promise<TestRtspServer> {
    // Encoded before listening: a clip that cannot be encoded leaves no server behind.
    const units = quietly(() => encodeClip(clip, fps));
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const rtsp = new TestRtspServer(server, address.port);
    server.on('connection', (socket) => rtsp.#accept(socket));
    rtsp.#play(units, fps);
    return rtsp;
  }

  /** Sends one access unit per frame period, looping; due times are kept from the start, so delays do not add up. */
  #play(units: readonly AccessUnit[], fps: number): void {
    const periodMs = 1000 / fps;
    const started = performance.now();
    const tick = (): void => {
      const unit = units[this.#frame % units.length];
      if (unit) this.#sendAccessUnit(unit, Math.round((this.#frame * 90000) / fps) >>> 0);
      this.#frame += 1;
      this.#timer = setTimeout(tick, Math.max(0, started + this.#frame * periodMs - performance.now()));
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Sends one access unit to every playing client; a client that joined waits for a key frame. */
  #sendAccessUnit(unit: AccessUnit, timestamp: number): void {
    const nals = splitAnnexB(unit.data).filter((n) => ((n[0] ?? 0) & 0x1f) !== AUD);
    const key = unit.key;
    let delivered = false;
    for (const session of this.#sessions) {
      if (!session.playing) continue;
      if (session.waitingForKey && !key) continue;
      session.waitingForKey = false;
      delivered = true;
      nals.forEach((nal, i) => this.#sendNal(session, nal, timestamp, i === nals.length - 1));
    }
    if (delivered) this.sent += 1;
  }

  #sendNal(session: Session, nal: Buffer, timestamp: number, last: boolean): void {
    const packets: Buffer[] = [];
    if (nal.length <= MAX_RTP_PAYLOAD) packets.push(nal);
    else {
      const indicator = ((nal[0] ?? 0) & 0xe0) | 28;
      const type = (nal[0] ?? 0) & 0x1f;
      for (let off = 1; off < nal.length; off += MAX_RTP_PAYLOAD) {
        const end = Math.min(nal.length, off + MAX_RTP_PAYLOAD);
        const header = (off === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
        packets.push(Buffer.concat([Buffer.from([indicator, header]), nal.subarray(off, end)]));
      }
    }
    packets.forEach((payload, i) => {
      const rtp = Buffer.alloc(12);
      rtp[0] = 0x80;
      rtp[1] = (last && i === packets.length - 1 ? 0x80 : 0) | 96;
      rtp.writeUInt16BE(session.seq, 2);
      session.seq = (session.seq + 1) & 0xffff;
      rtp.writeUInt32BE(timestamp, 4);
      rtp.writeUInt32BE(0x1f2d0001, 8);
      const frame = Buffer.alloc(4);
      frame[0] = 0x24;
      frame[1] = 0;
      frame.writeUInt16BE(rtp.length + payload.length, 2);
      session.socket.write(Buffer.concat([frame, rtp, payload]));
    });
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    const session: Session = { socket, playing: false, waitingForKey: true, seq: 1 };
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (buffer.length > 0 && buffer[0] === 0x24) {
          // Interleaved RTCP from the client (receiver reports): skip it.
          if (buffer.length < 4) return;
          const len = buffer.readUInt16BE(2);
          if (buffer.length < 4 + len) return;
          buffer = buffer.subarray(4 + len);
          continue;
        }
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.subarray(end + 4 + length);
        this.#onRequest(session, head);
      }
    });
    socket.on('close', () => {
      this.#sessions.delete(session);
      this.#sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
  }

  #onRequest(session: Session, head: string): void {
    const [requestLine = '', ...lines] = head.split('\r\n');
    const [method = '', url = ''] = requestLine.split(' ');
    const header = (name: string): string | undefined =>
      lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
    const cseq = header('CSeq') ?? '0';
    const reply = (status: string, extra: string[] = [], body = ''): void => {
      const headers = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, ...extra];
      if (body !== '') headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
      session.socket.write(`${headers.join('\r\n')}\r\n\r\n${body}`);
    };
    switch (method) {
      case 'OPTIONS':
        reply('200 OK', ['Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN']);
        break;
      case 'DESCRIBE': {
        const sdp = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=f2d test feed', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1', 'a=control:trackID=0', ''].join('\r\n');
        reply('200 OK', [`Content-Base: ${url}/`, 'Content-Type: application/sdp'], sdp);
        break;
      }
      case 'SETUP':
        if (!(header('Transport') ?? '').includes('TCP')) {
          reply('461 Unsupported Transport');
          break;
        }
        reply('200 OK', ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1', 'Session: 1f2d0001;timeout=60']);
        break;
      case 'PLAY':
        reply('200 OK', ['Session: 1f2d0001', 'Range: npt=0.000-']);
        session.playing = true;
        this.#sessions.add(session);
        break;
      case 'TEARDOWN':
        reply('200 OK', ['Session: 1f2d0001']);
        session.socket.end();
        break;
      default:
        reply('501 Not Implemented');
    }
  }

  /** Drops every client and stops serving (the camera "dies"); idempotent. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const socket of this.#sockets) socket.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
