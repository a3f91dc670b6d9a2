/**
 * A small but real RTSP 1.0 server for tests: it serves one H.264 stream over
 * TCP-interleaved RTP (RFC 2326 §10.12, RFC 6184 single-NAL and FU-A
 * packetisation) to any number of clients, on an ephemeral port. The video is
 * produced live by the ffmpeg CLI from a clip (`-re`, looped), so clients see
 * a real-time feed. Stopping and restarting it on the same port is how tests
 * make a camera die and come back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';

const AUD = 9;
const IDR = 5;
const MAX_RTP_PAYLOAD = 1400;

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
  #ffmpeg: ChildProcess | null = null;
  #pending = Buffer.alloc(0);
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

  /** Starts serving; `port` 0 picks a free one (pass a previous server's port to "come back"). */
  static async start(clip: string, port = 0, fps = 25): Promise<TestRtspServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const rtsp = new TestRtspServer(server, address.port);
    server.on('connection', (socket) => rtsp.#accept(socket));
    rtsp.#startEncoder(clip, fps);
    return rtsp;
  }

  #startEncoder(clip: string, fps: number): void {
    const args = ['-v', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-an', '-vf', `fps=${fps}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', String(fps), '-x264-params', 'aud=1:repeat-headers=1', '-f', 'h264', '-'];
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#ffmpeg = ffmpeg;
    ffmpeg.stdout?.on('data', (chunk: Buffer) => this.#onVideo(chunk));
  }

  /** Cuts the byte stream at access unit delimiters and sends each complete access unit. */
  #onVideo(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const first = this.#findAud(0);
      if (first < 0) return;
      const next = this.#findAud(first + 4);
      if (next < 0) {
        if (first > 0) this.#pending = this.#pending.subarray(first);
        return;
      }
      this.#sendAccessUnit(this.#pending.subarray(first, next));
      this.#pending = this.#pending.subarray(next);
    }
  }

  #findAud(from: number): number {
    const p = this.#pending;
    for (let i = from; i + 3 < p.length; i++) {
      if (p[i] === 0 && p[i + 1] === 0 && p[i + 2] === 1 && ((p[i + 3] ?? 0) & 0x1f) === AUD) return i > 0 && p[i - 1] === 0 ? i - 1 : i;
    }
    return -1;
  }

  #sendAccessUnit(au: Buffer): void {
    const nals = splitAnnexB(au).filter((n) => ((n[0] ?? 0) & 0x1f) !== AUD);
    const key = nals.some((n) => ((n[0] ?? 0) & 0x1f) === IDR);
    const timestamp = (this.#frame++ * 3600) >>> 0; // 90 kHz at 25 fps
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
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = null;
    if (ffmpeg !== null && ffmpeg.exitCode === null) {
      const exited = new Promise<void>((resolve) => ffmpeg.once('exit', () => resolve()));
      ffmpeg.kill('SIGKILL');
      await exited;
    }
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
