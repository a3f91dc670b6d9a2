/**
 * One FFmpeg output holding the live encoder's H.264 access units as they
 * are (Annex-B, no re-encoding), timed by capture time (`capture-clock.ts`):
 * what the recorder (`segment` muxer, MP4 files) and the publisher (`rtsp`
 * and `flv` muxers, a media server) share. SPS and PPS come from the first
 * key frame as the stream's extradata; MP4 and FLV turn Annex-B extradata
 * into avcC themselves (flvenc also rewrites each packet to length
 * prefixes), and the RTP packetiser reads start codes.
 */
import { AV_CODEC_ID_H264, AV_PKT_FLAG_KEY, AVFMT_NOFILE, AVMEDIA_TYPE_VIDEO, type AVPacketFlag } from 'node-av/constants';
import { Dictionary, FFmpegError, FormatContext, Packet, Rational } from 'node-av/lib';
import { CaptureClock, type TimeBase } from './capture-clock.js';
import { h264Extradata } from './h264-bitstream.js';

/** What {@link AnnexBMuxer.open} needs. */
export interface AnnexBMuxerOptions {
  /** FFmpeg muxer: `segment`, `rtsp`, `flv`, … */
  readonly format: string;
  /** File pattern or URL handed to the muxer. */
  readonly url: string;
  readonly width: number;
  readonly height: number;
  /** The first access unit to write: a key frame with SPS and PPS. */
  readonly keyFrame: Uint8Array;
  /** Capture time of that key frame: timestamps count from it. */
  readonly startMs: number;
  /** Muxer options (`avformat_write_header`). */
  readonly options?: Readonly<Record<string, string | number>>;
  /**
   * Aborting it makes a connection or write that blocks on the network return
   * with an error (FFmpeg's interrupt callback). The RTSP muxer's sockets honour
   * it; the RTMP client's (opened by `avio_open`, without the callback) do not.
   */
  readonly signal?: AbortSignal;
}

/** Timestamps asked of the muxer, in milliseconds (RTSP changes them to 90 kHz). */
const MS = new Rational(1, 1000);

/**
 * An open output with one H.264 stream. Not safe for concurrent calls: the
 * owner serialises them (see `write-queue.ts`).
 *
 * @example
 * const mux = await AnnexBMuxer.open({ format: 'flv', url: 'rtmp://host/live/key', width, height, keyFrame, startMs });
 * await mux.write(keyFrame, true, startMs);
 * await mux.close();
 */
export class AnnexBMuxer {
  readonly #ctx: FormatContext;
  readonly #ownsIo: boolean;
  readonly #timeBase: TimeBase;
  readonly #clock: CaptureClock;
  readonly #packet = new Packet();
  /** Stops listening to the open's abort signal (the owner's controller outlives this output). */
  readonly #forgetSignal: () => void;
  #closed = false;

  private constructor(ctx: FormatContext, ownsIo: boolean, timeBase: TimeBase, startMs: number, forgetSignal: () => void) {
    this.#ctx = ctx;
    this.#ownsIo = ownsIo;
    this.#timeBase = timeBase;
    this.#clock = new CaptureClock(timeBase, startMs);
    this.#forgetSignal = forgetSignal;
    this.#packet.alloc();
  }

  /**
   * Opens the output (connects, for a URL) and writes its header.
   *
   * @throws FFmpegError when FFmpeg cannot open it; nothing is left open then.
   */
  static async open(options: AnnexBMuxerOptions): Promise<AnnexBMuxer> {
    const ctx = new FormatContext();
    FFmpegError.throwIfError(ctx.allocOutputContext2(null, options.format, options.url), `allocate the ${options.format} muxer`);
    const ownsIo = !(ctx.oformat?.hasFlags(AVFMT_NOFILE) ?? false);
    const interrupt = (): void => ctx.interrupt();
    options.signal?.addEventListener('abort', interrupt, { once: true });
    try {
      const stream = ctx.newStream(null);
      stream.timeBase = MS;
      const par = stream.codecpar;
      par.codecType = AVMEDIA_TYPE_VIDEO;
      par.codecId = AV_CODEC_ID_H264;
      par.width = options.width;
      par.height = options.height;
      par.extradata = h264Extradata(options.keyFrame);
      // Muxers that write through AVIO (flv) need it opened: this is where an RTMP client connects.
      if (ownsIo) FFmpegError.throwIfError(await ctx.openOutput(), 'open');
      FFmpegError.throwIfError(await ctx.writeHeader(Dictionary.fromObject({ ...options.options })), 'write header');
      return new AnnexBMuxer(ctx, ownsIo, { num: stream.timeBase.num, den: stream.timeBase.den }, options.startMs, () => options.signal?.removeEventListener('abort', interrupt));
    } catch (err) {
      options.signal?.removeEventListener('abort', interrupt);
      if (ownsIo) await ctx.closeOutput();
      ctx.freeContext();
      throw err;
    }
  }

  /**
   * Writes one access unit captured at `captureMs`.
   *
   * @throws FFmpegError when the muxer fails (a full disk, a server that went away).
   */
  async write(data: Uint8Array, key: boolean, captureMs: number): Promise<void> {
    const tb = this.#timeBase;
    const { pts, duration } = this.#clock.next(captureMs);
    const packet = this.#packet;
    packet.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    packet.pts = pts;
    packet.dts = pts;
    packet.duration = duration;
    packet.streamIndex = 0;
    packet.timeBase = new Rational(tb.num, tb.den);
    packet.flags = key ? AV_PKT_FLAG_KEY : (0 as AVPacketFlag);
    const ret = await this.#ctx.writeFrame(packet);
    packet.unref();
    FFmpegError.throwIfError(ret, 'write');
  }

  /**
   * Finishes the output (the trailer: the MP4 index, an RTSP TEARDOWN) and
   * frees it; idempotent. With `trailer: false` (the peer is gone) it only frees.
   */
  async close({ trailer = true }: { trailer?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#forgetSignal();
    try {
      if (trailer) await this.#ctx.writeTrailer();
    } finally {
      if (this.#ownsIo) await this.#ctx.closeOutput();
      this.#ctx.freeContext();
      this.#packet.free();
    }
  }
}
