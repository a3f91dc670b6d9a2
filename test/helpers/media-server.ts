/**
 * A local media server for the publish tests: FFmpeg's own listen mode,
 * in-process through node-av, on a free port. `rtsp` takes an RTSP
 * ANNOUNCE/RECORD publisher (`rtsp_flags=listen`, TCP interleaved); `rtmp`
 * takes an RTMP publisher (`listen=1`). It accepts one publisher, records
 * every packet it receives (what a real server would fan out to its viewers),
 * and ends when the publisher leaves or {@link TestMediaServer.stop} is
 * called. Starting one on a port a publisher already retries is how tests
 * make a server "come back".
 */
import { connect } from 'node:net';
import { Dictionary, FFmpegError, FormatContext, Packet } from 'node-av';
import { findSps, type SpsInfo } from '../../src/media/live/index.js';
import { freePort } from './redis-server.js';

export type MediaServerKind = 'rtsp' | 'rtmp';

/** One packet as the server received it. */
export interface ReceivedPacket {
  /** In the stream's time base (90 kHz for RTSP, ms for RTMP); `null` when the demuxer gave none. */
  readonly pts: bigint | null;
  readonly key: boolean;
  /** Annex-B (start codes), whatever the transport carried. */
  readonly data: Buffer;
}

/** How long the server waits for a publisher before giving up (s): a test that fails does not hang. */
const LISTEN_TIMEOUT_SEC = 60;

export class TestMediaServer {
  readonly kind: MediaServerKind;
  readonly port: number;
  readonly received: ReceivedPacket[] = [];
  /** Set once the publisher connected (`open`), and when reading ended (`ended`, with FFmpeg's reason). */
  connected = false;
  ended: string | null = null;
  readonly #ctx = new FormatContext();
  readonly #done: Promise<void>;
  #stopped = false;

  private constructor(kind: MediaServerKind, port: number) {
    this.kind = kind;
    this.port = port;
    this.#done = this.#serve();
  }

  /** Listens on `port` (0: a free one) for one publisher at {@link url}. */
  static async start(kind: MediaServerKind, port = 0): Promise<TestMediaServer> {
    const server = new TestMediaServer(kind, port === 0 ? await freePort() : port);
    // FFmpeg listens once its open runs on the libuv pool: give it a moment before a publisher tries.
    await new Promise((r) => setTimeout(r, 200));
    return server;
  }

  /** Where a publisher pushes to. */
  get url(): string {
    return `${this.kind}://127.0.0.1:${this.port}/live/restored`;
  }

  /** The size the published SPS announces, from the first key frame received; `null` before. */
  get sps(): SpsInfo | null {
    const key = this.received.find((p) => p.key);
    return key === undefined ? null : findSps(key.data);
  }

  async #serve(): Promise<void> {
    const listen = this.kind === 'rtsp' ? { rtsp_flags: 'listen', listen_timeout: LISTEN_TIMEOUT_SEC, rtsp_transport: 'tcp' } : { listen: 1, timeout: LISTEN_TIMEOUT_SEC };
    const ret = await this.#ctx.openInput(this.url, null, Dictionary.fromObject(listen));
    if (ret < 0) {
      this.ended = `open: ${FFmpegError.strerror(ret)}`;
      return;
    }
    this.connected = true;
    const packet = new Packet();
    packet.alloc();
    try {
      for (;;) {
        const r = await this.#ctx.readFrame(packet);
        if (r < 0) {
          this.ended = FFmpegError.strerror(r);
          return;
        }
        if (packet.data) {
          const pts = packet.pts === NOPTS ? null : packet.pts;
          this.received.push({ pts, key: packet.isKeyframe, data: toAnnexB(Buffer.from(packet.data)) });
        }
        packet.unref();
      }
    } finally {
      packet.free();
    }
  }

  /** Stops listening or reading and frees the context; idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ctx.interrupt();
    // FFmpeg's listen does not see the interrupt while nobody has connected: a connection
    // that closes at once ends it (the handshake fails), rather than the listen timeout.
    if (!this.connected && this.ended === null) await knock(this.port);
    await this.#done;
    await this.#ctx.closeInput();
  }

  close(): Promise<void> {
    return this.stop();
  }
}

const NOPTS = -9223372036854775808n;

/** RTMP carries H.264 as 4-byte length-prefixed NAL units (AVCC); RTSP as Annex-B. Both come back as Annex-B. */
function toAnnexB(data: Buffer): Buffer {
  if (data.subarray(0, 4).equals(Buffer.from([0, 0, 0, 1])) || data.subarray(0, 3).equals(Buffer.from([0, 0, 1]))) return data;
  const parts: Buffer[] = [];
  for (let off = 0; off + 4 <= data.length; ) {
    const len = data.readUInt32BE(off);
    parts.push(Buffer.from([0, 0, 0, 1]), data.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return Buffer.concat(parts);
}

/** Connects to `port` and hangs up at once. */
function knock(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.destroy());
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}
