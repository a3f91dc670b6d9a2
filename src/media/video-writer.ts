/**
 * Encodes restored RGB24 frames to H.264 (yuv420p) and muxes them with the
 * input's other streams copied unchanged, keeping every frame's timestamp,
 * the stream metadata and side data (rotation) of the input.
 */
import {
  AV_OPT_SEARCH_CHILDREN,
  AV_PIX_FMT_YUV420P,
  AV_PIX_FMT_YUV444P,
  Encoder,
  FF_ENCODER_LIBX264,
  Muxer,
  Rational,
  type AVPixelFormat,
  type CodecContext,
  type Frame,
  type Packet,
} from 'node-av';
import { F2dError, InvalidStateError, OutputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RgbFrame } from '../frame.js';
import { reason } from './av-errors.js';
import { RgbConverter } from './rgb-convert.js';
import type { StreamPacket, VideoReader } from './video-reader.js';

export interface VideoWriterOptions {
  /** x264 constant rate factor, 0–51. */
  readonly crf: number;
  /** x264 preset name. */
  readonly preset: string;
  /** x264 threads, 0 = x264's default for this machine. */
  readonly threads?: number;
  readonly log: Logger;
}

/**
 * Writes one restored video.
 *
 * @example
 * ```ts
 * const writer = await VideoWriter.create('out.mp4', reader, { crf: 20, preset: 'veryfast', log });
 * writer.writeFrame(restored, decoded.pts, decoded.duration);
 * writer.finish();
 * ```
 */
export class VideoWriter {
  private readonly path: string;
  private readonly muxer: Muxer;
  private readonly encoder: Encoder;
  private readonly videoOut: number;
  private readonly copyMap: ReadonlyMap<number, number>;
  private readonly reader: VideoReader;
  private readonly log: Logger;
  private readonly pixelFormat: AVPixelFormat;
  private readonly converter = new RgbConverter();
  private written = 0;
  private closed = false;

  private constructor(path: string, muxer: Muxer, encoder: Encoder, reader: VideoReader, options: VideoWriterOptions) {
    this.path = path;
    this.muxer = muxer;
    this.encoder = encoder;
    this.reader = reader;
    this.log = options.log;
    const { width, height } = reader.info;
    // x264's 4:2:0 needs even sizes; odd-sized inputs keep their size in 4:4:4 instead.
    this.pixelFormat = width % 2 === 0 && height % 2 === 0 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P;
    if (this.pixelFormat === AV_PIX_FMT_YUV444P) {
      options.log.warn(`${width}x${height} has an odd side: writing H.264 4:4:4, which some players cannot play`);
    }
    this.videoOut = muxer.addStream(encoder, { inputStream: reader.videoStream });
    const map = new Map<number, number>();
    for (const c of reader.info.copiedStreams) {
      const stream = reader.demuxer.streams[c.index];
      if (!stream) continue;
      const out = muxer.addStream(stream);
      // A FourCC valid in the input container may be invalid in the output one (mp4a in
      // Matroska); 0 lets the muxer pick its own tag, as the ffmpeg CLI does.
      const outStream = muxer.streams[out];
      if (outStream) outStream.codecpar.codecTag = 0;
      map.set(c.index, out);
    }
    this.copyMap = map;
  }

  /**
   * Opens the output file and sets up the encoder. The container follows the file extension.
   *
   * @throws {OutputError} ERR_OUTPUT_OPEN when the file cannot be created
   */
  static async create(path: string, reader: VideoReader, options: VideoWriterOptions): Promise<VideoWriter> {
    let muxer: Muxer;
    try {
      muxer = Muxer.openSync(path, { input: reader.demuxer });
    } catch (cause) {
      throw new OutputError('ERR_OUTPUT_OPEN', `cannot create the output "${path}": ${reason(cause)}`, {
        hint: 'check that the directory exists and is writable and that the extension names a container (mp4, mkv, mov…)',
        cause,
      });
    }
    const rate = reader.info.frameRate;
    // Codec options go through ctx.setOption: Encoder.create's `options` bag crashes node-av 6.1.1 at exit.
    const configure = (ctx: CodecContext): void => {
      ctx.setOption('crf', String(options.crf), undefined as never, AV_OPT_SEARCH_CHILDREN);
      ctx.setOption('preset', options.preset, undefined as never, AV_OPT_SEARCH_CHILDREN);
      // Only a hint for rate control and the stream header; timestamps stay in the input's time base (VFR kept).
      if (rate) ctx.framerate = new Rational(rate.num, rate.den);
      if (options.threads) ctx.threadCount = options.threads;
    };
    let encoder: Encoder;
    try {
      encoder = Encoder.createSync(FF_ENCODER_LIBX264, { configure });
    } catch (cause) {
      muxer.closeSync();
      throw new F2dError('ERR_ENCODE_OPEN', 'encode', `cannot start the H.264 encoder: ${reason(cause)}`, { cause });
    }
    try {
      return new VideoWriter(path, muxer, encoder, reader, options);
    } catch (cause) {
      encoder.close();
      muxer.closeSync();
      throw new F2dError('ERR_ENCODE_OPEN', 'encode', `cannot set up the streams of "${path}": ${reason(cause)}`, { cause });
    }
  }

  /** Frames encoded so far. */
  get frames(): number {
    return this.written;
  }

  /** Milliseconds of {@link writeFrame} spent converting RGB24 to the encoder's format (the rest is x264 and muxing). */
  get convertMs(): number {
    return this.converter.convertMs;
  }

  /**
   * Encodes one frame at the given timestamp (in the input video's time base).
   *
   * @throws {F2dError} ERR_ENCODE_FAILED, ERR_OUTPUT_CONTAINER
   */
  writeFrame(rgb: RgbFrame, pts: bigint, duration: bigint): void {
    this.assertOpen();
    const tb = this.reader.info.timeBase;
    const par = this.reader.videoStream.codecpar;
    const frame = this.converter.fromRgb(rgb, this.pixelFormat, par.colorSpace);
    try {
      frame.pts = pts;
      frame.duration = duration;
      frame.timeBase = new Rational(tb.num, tb.den);
      // The input's colour description goes with the pixels (same matrix both ways, see rgb-convert.ts).
      frame.colorPrimaries = par.colorPrimaries;
      frame.colorTrc = par.colorTrc;
      this.writePackets(this.encode(frame));
      this.written++;
    } finally {
      frame.free();
    }
  }

  /** Writes a packet of a copied stream unchanged and frees it. */
  copy(item: StreamPacket): void {
    this.assertOpen();
    try {
      const out = this.copyMap.get(item.inputIndex);
      if (out !== undefined) this.mux(item.packet, out);
    } finally {
      item.packet.free();
    }
  }

  /**
   * Flushes the encoder, ends every stream and writes the trailer: the file is complete and playable.
   * Idempotent.
   */
  finish(): void {
    if (this.closed) return;
    try {
      this.writePackets(this.encode(null));
      for (const out of [this.videoOut, ...this.copyMap.values()]) this.muxer.writePacketSync(null, out);
    } finally {
      this.release();
    }
    this.log.debug(`wrote ${this.written} frames to ${this.path}`);
  }

  /** Releases everything without flushing (the caller deletes the file). Idempotent. */
  abort(): void {
    if (!this.closed) this.release();
  }

  private release(): void {
    this.closed = true;
    try {
      this.encoder.close();
    } finally {
      this.converter.free();
      this.muxer.closeSync();
    }
  }

  private encode(frame: Frame | null): Packet[] {
    try {
      return this.encoder.encodeAllSync(frame);
    } catch (cause) {
      throw new F2dError('ERR_ENCODE_FAILED', 'encode', `H.264 encoding of "${this.path}" failed at frame ${this.written}: ${reason(cause)}`, {
        cause,
      });
    }
  }

  private writePackets(packets: Packet[]): void {
    try {
      for (const p of packets) this.mux(p, this.videoOut);
    } finally {
      for (const p of packets) p.free();
    }
  }

  private mux(packet: Packet, out: number): void {
    try {
      this.muxer.writePacketSync(packet, out);
    } catch (cause) {
      const copied = this.reader.info.copiedStreams.map((c) => `${c.type} ${c.codec}`).join(', ');
      throw new OutputError('ERR_OUTPUT_CONTAINER', `cannot write "${this.path}": ${reason(cause)}`, {
        hint: copied
          ? `the container may not accept a copied stream (${copied}); try an .mkv output, which takes almost any codec`
          : 'try another container extension, e.g. .mkv or .mp4',
        cause,
      });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError('ERR_MEDIA_CLOSED', `VideoWriter for "${this.path}" used after finish() or abort()`);
  }
}
