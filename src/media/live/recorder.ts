/**
 * Dash-cam recording of the restored live stream: the already-encoded H.264
 * access units are written, without re-encoding, into MP4 files cut every
 * `segmentSec` seconds at key frames (FFmpeg's `segment` muxer), named by
 * the recording's start time and a segment number.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AV_CODEC_ID_H264, AV_PKT_FLAG_KEY, AVMEDIA_TYPE_VIDEO, type AVPacketFlag } from 'node-av/constants';
import { Dictionary, FFmpegError, FormatContext, Packet, Rational } from 'node-av/lib';
import { F2dError, InvalidStateError } from '../../errors.js';
import { NAL_PPS, NAL_SPS, nalType, splitNalUnits } from './h264-bitstream.js';

/** Settings of {@link LiveRecorder}. */
export interface LiveRecorderOptions {
  /** Folder for the segments (created if missing). */
  readonly dir: string;
  readonly segmentSec: number;
  readonly width: number;
  readonly height: number;
}

/** Timestamps in milliseconds, as asked of the muxer. */
const TIME_BASE = new Rational(1, 1000);

/**
 * Writes encoded access units into segmented MP4 files. Build with
 * {@link LiveRecorder.create}; the first access unit written must be a key
 * frame with SPS/PPS (earlier ones are skipped). {@link close} finishes the
 * current segment (idempotent).
 *
 * @example
 * const rec = await LiveRecorder.create({ dir: 'recordings', segmentSec: 60, width: 640, height: 360 });
 * await rec.write(accessUnit, true, captureMs);
 * await rec.close();
 */
export class LiveRecorder {
  readonly #options: LiveRecorderOptions;
  #ctx: FormatContext | null = null;
  /** The stream's time base after the header is written (the muxer may change it). */
  #timeBase: { num: number; den: number } = TIME_BASE;
  readonly #packet = new Packet();
  #startMs = 0;
  #lastPts = -1n;
  #closed = false;
  #busy: Promise<void> | null = null;
  /** Access units written. */
  written = 0;

  private constructor(options: LiveRecorderOptions) {
    this.#options = options;
    this.#packet.alloc();
  }

  /**
   * @throws F2dError `ERR_RECORD_DIR` when the folder cannot be created.
   */
  static async create(options: LiveRecorderOptions): Promise<LiveRecorder> {
    try {
      mkdirSync(options.dir, { recursive: true });
    } catch (cause) {
      throw new F2dError('ERR_RECORD_DIR', 'output', `cannot create the recording folder ${options.dir}`, {
        cause,
        hint: 'pass a writable folder with --record <dir> (serve.record.dir)',
      });
    }
    return new LiveRecorder(options);
  }

  /**
   * Adds one access unit (Annex-B) captured at `captureMs` (wall clock).
   *
   * @throws F2dError `ERR_RECORD_WRITE` when FFmpeg cannot write; InvalidStateError after close.
   */
  async write(data: Uint8Array, key: boolean, captureMs: number): Promise<void> {
    if (this.#closed) throw new InvalidStateError('ERR_RECORD_CLOSED', 'the recorder is closed');
    const previous = this.#busy;
    const job = (async () => {
      await previous;
      await this.#write(data, key, captureMs);
    })();
    this.#busy = job.catch(() => undefined);
    return job;
  }

  async #write(data: Uint8Array, key: boolean, captureMs: number): Promise<void> {
    if (this.#ctx === null) {
      if (!key) return;
      await this.#open(data, captureMs);
    }
    const ctx = this.#ctx;
    if (ctx === null) return;
    // Strictly increasing timestamps, even if two frames share a capture millisecond.
    const tb = this.#timeBase;
    let pts = BigInt(Math.round(((captureMs - this.#startMs) / 1000) * (tb.den / tb.num)));
    if (pts <= this.#lastPts) pts = this.#lastPts + 1n;
    // MP4 needs a duration on each sample (the last one of a segment has no successor): use the last gap.
    const duration = this.#lastPts < 0n ? BigInt(Math.round((tb.den / tb.num) / 25)) : pts - this.#lastPts;
    this.#lastPts = pts;
    this.#packet.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#packet.pts = pts;
    this.#packet.dts = pts;
    this.#packet.duration = duration;
    this.#packet.streamIndex = 0;
    this.#packet.timeBase = new Rational(tb.num, tb.den);
    this.#packet.flags = key ? AV_PKT_FLAG_KEY : (0 as AVPacketFlag);
    const ret = await ctx.writeFrame(this.#packet);
    this.#packet.unref();
    if (ret < 0) {
      throw new F2dError('ERR_RECORD_WRITE', 'output', `writing the recording in ${this.#options.dir} failed: ${FFmpegError.strerror(ret)}`, {
        fatal: false,
        hint: 'check free space and permissions of the recording folder',
      });
    }
    this.written += 1;
  }

  async #open(keyFrame: Uint8Array, captureMs: number): Promise<void> {
    // The MP4 sample description needs SPS and PPS: take them from the first key frame (Annex-B is accepted).
    const headers = splitNalUnits(keyFrame).filter((u) => nalType(u) === NAL_SPS || nalType(u) === NAL_PPS);
    const extradata = Buffer.concat(headers.flatMap((u) => [Buffer.from([0, 0, 0, 1]), Buffer.from(u)]));
    // Named by the recording's start (local time) and a segment number: f2d-20250101-120000-00003.mp4
    const d = new Date(captureMs);
    const two = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
    const pattern = path.join(this.#options.dir, `f2d-${stamp}-%05d.mp4`);
    const ctx = new FormatContext();
    FFmpegError.throwIfError(ctx.allocOutputContext2(null, 'segment', pattern), 'allocate segment muxer');
    const stream = ctx.newStream(null);
    stream.timeBase = TIME_BASE;
    const par = stream.codecpar;
    par.codecType = AVMEDIA_TYPE_VIDEO;
    par.codecId = AV_CODEC_ID_H264;
    par.width = this.#options.width;
    par.height = this.#options.height;
    par.extradata = extradata;
    const options = Dictionary.fromObject({
      segment_time: this.#options.segmentSec,
      segment_format: 'mp4',
      reset_timestamps: 1,
      break_non_keyframes: 0,
    });
    const ret = await ctx.writeHeader(options);
    if (ret < 0) {
      ctx.freeContext();
      throw new F2dError('ERR_RECORD_WRITE', 'output', `cannot start recording in ${this.#options.dir}: ${FFmpegError.strerror(ret)}`, {
        hint: 'check that the recording folder is writable',
      });
    }
    this.#ctx = ctx;
    this.#timeBase = { num: stream.timeBase.num, den: stream.timeBase.den };
    this.#startMs = captureMs;
  }

  /** Finishes the current segment so it plays; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#busy;
    const ctx = this.#ctx;
    this.#ctx = null;
    if (ctx !== null) {
      await ctx.writeTrailer();
      ctx.freeContext();
    }
    this.#packet.free();
  }
}
