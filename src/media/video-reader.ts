/**
 * Pulls decoded video frames as RGB24 from a file, one at a time, with the
 * packets of every other stream handed out for copying. All node-av calls
 * are the synchronous ones (cheaper per frame than the async ones, and the
 * async `packets()` is broken on Node 20).
 */
import {
  AV_FRAME_FLAG_CORRUPT,
  AV_NOPTS_VALUE,
  AV_PKT_FLAG_CORRUPT,
  AVERROR_EOF,
  AVMEDIA_TYPE_ATTACHMENT,
  AV_CODEC_ID_NONE,
  Packet,
  type Decoder,
  type Demuxer,
  type Frame,
  type Stream,
  avGetPixFmtName,
} from 'node-av';
import { InvalidStateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RgbFrame } from '../frame.js';
import { describeAvError, reason } from './av-errors.js';
import { fitRgb } from './fit-picture.js';
import { codecLabel, openDecoder, openDemuxer, videoStreamOf } from './open-input.js';
import { RgbConverter } from './rgb-convert.js';

/** A rational number as a plain pair (no node-av types leave this module). */
export interface Ratio {
  readonly num: number;
  readonly den: number;
}

/** What the input holds, for the writer, progress and the summary. */
export interface VideoInfo {
  readonly path: string;
  readonly container: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** Time base of the video stream's timestamps. */
  readonly timeBase: Ratio;
  /** Average frame rate when the container states one. */
  readonly frameRate: Ratio | null;
  /** Video duration in seconds when known (stream's, else the container's). */
  readonly durationSec: number | null;
  /** Frame count from the container, or duration × rate; `null` when unknown. */
  readonly expectedFrames: number | null;
  /** Streams that will be copied unchanged: input index, type and codec. */
  readonly copiedStreams: readonly { readonly index: number; readonly type: string; readonly codec: string }[];
}

/** One decoded picture with its original timing. */
export interface DecodedFrame {
  /** 0-based position in decode output order. */
  readonly index: number;
  readonly rgb: RgbFrame;
  /** Presentation timestamp in {@link VideoInfo.timeBase} units. */
  readonly pts: bigint;
  /** Duration in the same units (0 when unknown). */
  readonly duration: bigint;
  readonly timeSec: number;
}

/** Where the input stopped being decodable. */
export interface InputDamage {
  /** Number of good frames before the damage (= index of the first lost frame). */
  readonly frame: number;
  /** Time of the last good frame's end, seconds. */
  readonly timeSec: number;
  readonly reason: string;
}

/**
 * A point where the decoded pictures change size mid-stream (e.g. two resolutions
 * joined with `ffmpeg -f concat -c copy`). Every frame is handed out at the
 * stream's opening size: pictures of another size are scaled to fit it, shape
 * kept, with black bars where the shapes differ (`fit-picture.ts`).
 */
export interface SizeChange {
  /** 0-based index of the first frame at the new size. */
  readonly frame: number;
  readonly timeSec: number;
  /** `WxH`, before and after. */
  readonly from: string;
  readonly to: string;
}

/** A packet of a copied stream; give it to `VideoWriter.copy()`, which frees it. */
export class StreamPacket {
  /** @internal */
  constructor(
    readonly packet: Packet,
    readonly inputIndex: number,
  ) {}
}

export type ReadItem =
  | { readonly kind: 'frame'; readonly frame: DecodedFrame }
  | { readonly kind: 'packet'; readonly packet: StreamPacket }
  | { readonly kind: 'end'; readonly damage: InputDamage | null };

/** Allowed gap between the last frame and the stated duration before the input counts as truncated. */
const TRUNCATION_TOLERANCE_SEC = 1;
const TRUNCATION_TOLERANCE_FRAMES = 3;

const ratio = (r: { num: number; den: number }): Ratio => ({ num: r.num, den: r.den });
const seconds = (ts: bigint, tb: Ratio): number => (Number(ts) * tb.num) / tb.den;

/**
 * Reads a video file frame by frame.
 *
 * @example
 * ```ts
 * const reader = await VideoReader.open('in.mp4', { log });
 * try {
 *   for (let item = reader.next(); item.kind !== 'end'; item = reader.next()) { … }
 * } finally {
 *   reader.close();
 * }
 * ```
 */
export class VideoReader {
  readonly info: VideoInfo;
  /** @internal for VideoWriter: the demuxer and the restored stream. */
  readonly demuxer: Demuxer;
  /** @internal */
  readonly videoStream: Stream;
  private readonly decoder: Decoder;
  private readonly converter = new RgbConverter();
  private readonly packet = new Packet();
  private readonly copied: ReadonlySet<number>;
  private readonly queue: DecodedFrame[] = [];
  private readonly log: Logger;
  /** Frames decoded cleanly so far. */
  private decoded = 0;
  private lastEndSec = 0;
  private lastPts: bigint | null = null;
  private lastDuration = 0n;
  private ended: ReadItem | null = null;
  private closed = false;
  /** Size and pixel format of the first decoded picture: every frame is handed out at this size. */
  private opening: { readonly width: number; readonly height: number; readonly format: number } | null = null;
  /** Size and pixel format of the previous picture, to notice each change once. */
  private current: { readonly width: number; readonly height: number; readonly format: number } | null = null;
  private readonly changes: SizeChange[] = [];

  private constructor(path: string, demuxer: Demuxer, log: Logger) {
    this.demuxer = demuxer;
    this.log = log;
    this.videoStream = videoStreamOf(demuxer, path);
    this.decoder = openDecoder(this.videoStream, path);
    this.packet.alloc();
    const copied: VideoInfo['copiedStreams'][number][] = [];
    for (const s of demuxer.streams) {
      if (s.index === this.videoStream.index) continue;
      const type = mediaTypeName(s);
      if (s.codecpar.codecType === AVMEDIA_TYPE_ATTACHMENT || s.codecpar.codecId === AV_CODEC_ID_NONE) {
        log.warn(`stream #${s.index} (${type}, ${codecLabel(s)}) of "${path}" cannot be copied and is left out`);
        continue;
      }
      copied.push({ index: s.index, type, codec: codecLabel(s) });
    }
    this.copied = new Set(copied.map((c) => c.index));
    this.info = describe(path, demuxer, this.videoStream, copied);
  }

  /**
   * Opens the file and its video decoder.
   *
   * @throws {F2dError} ERR_INPUT_NOT_FOUND, ERR_INPUT_NOT_MEDIA, ERR_INPUT_TRUNCATED, ERR_INPUT_NO_VIDEO, ERR_INPUT_UNSUPPORTED_CODEC
   */
  static async open(path: string, options: { readonly log: Logger }): Promise<VideoReader> {
    const demuxer = openDemuxer(path);
    try {
      return new VideoReader(path, demuxer, options.log);
    } catch (err) {
      demuxer.closeSync();
      throw err;
    }
  }

  /**
   * The next frame, copied-stream packet, or the end (with the damage found, if any).
   * After the end it keeps returning the same end item.
   */
  next(): ReadItem {
    if (this.closed) throw new InvalidStateError('ERR_MEDIA_CLOSED', 'VideoReader.next() after close()');
    for (;;) {
      const queued = this.queue.shift();
      if (queued) return { kind: 'frame', frame: queued };
      if (this.ended) return this.ended;
      const item = this.pull();
      if (item) return item;
    }
  }

  /** Reads one packet; returns an item to hand out, or null when only the queue changed. */
  private pull(): ReadItem | null {
    const ret = this.demuxer.getFormatContext().readFrameSync(this.packet);
    if (ret < 0) {
      if (ret !== AVERROR_EOF) return this.end(`read error: ${describeAvError(ret)}`);
      return this.drain();
    }
    const index = this.packet.streamIndex;
    const stream = this.demuxer.streams[index];
    if (stream) this.packet.timeBase = stream.timeBase;
    try {
      if (index === this.videoStream.index) {
        if (this.packet.flags & AV_PKT_FLAG_CORRUPT) return this.end('a damaged or incomplete video packet');
        return this.decode(this.packet);
      }
      if (this.copied.has(index)) {
        const clone = this.packet.clone();
        if (clone) return { kind: 'packet', packet: new StreamPacket(clone, index) };
      }
      return null;
    } finally {
      this.packet.unref();
    }
  }

  private decode(packet: Packet | null): ReadItem | null {
    let frames: Frame[];
    try {
      frames = this.decoder.decodeAllSync(packet);
    } catch (err) {
      return this.end(`the decoder failed: ${reason(err)}`);
    }
    let damage: string | null = null;
    for (const f of frames) {
      if (damage === null && (f.decodeErrorFlags !== 0 || (f.flags & AV_FRAME_FLAG_CORRUPT) !== 0)) {
        damage = 'the decoder reported a corrupt frame';
      }
      if (damage === null) this.queue.push(this.toDecoded(f));
      f.free();
    }
    return damage === null ? null : this.end(damage);
  }

  private drain(): ReadItem | null {
    const item = this.decode(null);
    if (item) return item;
    const truncated = this.truncation();
    this.ended = { kind: 'end', damage: truncated ? this.damage(truncated) : null };
    return null;
  }

  /** A reason when the frames stopped well before the stated duration. */
  private truncation(): string | null {
    const { durationSec, frameRate } = this.info;
    if (durationSec === null) return null;
    const frameSec = frameRate && frameRate.num > 0 ? frameRate.den / frameRate.num : 0;
    const tolerance = Math.max(TRUNCATION_TOLERANCE_SEC, TRUNCATION_TOLERANCE_FRAMES * frameSec);
    if (durationSec - this.lastEndSec <= tolerance) return null;
    return `the video ends at ${this.lastEndSec.toFixed(2)} s but the file says ${durationSec.toFixed(2)} s (truncated?)`;
  }

  /** Stops reading; frames already decoded cleanly are still handed out before the end item. */
  private end(why: string): ReadItem | null {
    this.ended = { kind: 'end', damage: this.damage(why) };
    return null;
  }

  private damage(why: string): InputDamage {
    return { frame: this.decoded, timeSec: this.lastEndSec, reason: why };
  }

  private toDecoded(f: Frame): DecodedFrame {
    const tb = this.info.timeBase;
    let pts = f.pts !== AV_NOPTS_VALUE ? f.pts : f.bestEffortTimestamp;
    if (pts === AV_NOPTS_VALUE) pts = this.lastPts === null ? 0n : this.lastPts + (this.lastDuration || 1n);
    const duration = f.duration > 0n ? f.duration : this.guessDuration();
    const frame: DecodedFrame = {
      index: this.decoded,
      rgb: this.pictureAtOpeningSize(f, seconds(pts, tb)),
      pts,
      duration,
      timeSec: seconds(pts, tb),
    };
    this.decoded++;
    this.lastPts = pts;
    this.lastDuration = duration;
    this.lastEndSec = seconds(pts + duration, tb) - this.startSec();
    return frame;
  }

  /**
   * The frame as RGB24 at the size of the stream's first picture. The converter follows a change
   * of size or pixel format by itself (swscale's frame API sets up again when the frame changes);
   * a change of size is recorded ({@link sizeChanges}) and the picture fitted to the opening size,
   * since the encoder and the model keep that size (fed a larger picture, x264 would encode its
   * top-left corner).
   */
  private pictureAtOpeningSize(f: Frame, timeSec: number): RgbFrame {
    const shape = { width: f.width, height: f.height, format: f.format as number };
    const opening = (this.opening ??= shape);
    const previous = this.current ?? shape;
    this.current = shape;
    if (shape.width !== previous.width || shape.height !== previous.height) {
      this.changes.push({ frame: this.decoded, timeSec, from: `${previous.width}x${previous.height}`, to: `${shape.width}x${shape.height}` });
    } else if (shape.format !== previous.format) {
      const name = (format: number): string => avGetPixFmtName(format as never) ?? `pixel format #${format}`;
      this.log.debug(`${this.info.path}: frame ${this.decoded} changes pixel format from ${name(previous.format)} to ${name(shape.format)}`);
    }
    const rgb = this.converter.toRgb(f);
    if (shape.width === opening.width && shape.height === opening.height) return rgb;
    return fitRgb(rgb, opening.width, opening.height);
  }

  /** Where the picture size changed so far; frames after a change were fitted to the opening size. */
  get sizeChanges(): readonly SizeChange[] {
    return this.changes;
  }

  /** Stream start time in seconds, so a stream not starting at 0 is not taken as truncated. */
  private startSec(): number {
    const start = this.videoStream.startTime;
    return start === AV_NOPTS_VALUE ? 0 : seconds(start, this.info.timeBase);
  }

  private guessDuration(): bigint {
    const { frameRate, timeBase } = this.info;
    if (!frameRate || frameRate.num <= 0) return this.lastDuration;
    return BigInt(Math.round((frameRate.den * timeBase.den) / (frameRate.num * timeBase.num)));
  }

  /** Milliseconds of {@link next} spent converting decoded pictures to RGB24 (the rest is demuxing and decoding). */
  get convertMs(): number {
    return this.converter.convertMs;
  }

  /** Frees the decoder and closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.packet.free();
    this.converter.free();
    this.decoder.close();
    this.demuxer.closeSync();
    this.log.debug(`closed ${this.info.path}`);
  }
}

function mediaTypeName(s: Stream): string {
  return ['video', 'audio', 'data', 'subtitle', 'attachment'][s.codecpar.codecType] ?? 'unknown';
}

function describe(path: string, demuxer: Demuxer, vs: Stream, copied: VideoInfo['copiedStreams']): VideoInfo {
  const timeBase = ratio(vs.timeBase);
  const avg = vs.avgFrameRate;
  const frameRate = avg.num > 0 && avg.den > 0 ? ratio(avg) : null;
  const streamDur = vs.duration > 0n && vs.duration !== AV_NOPTS_VALUE ? seconds(vs.duration, timeBase) : null;
  const durationSec = streamDur ?? (demuxer.duration > 0 ? demuxer.duration : null);
  const counted = Number(vs.nbFrames);
  const expectedFrames =
    counted > 0 ? counted : durationSec !== null && frameRate ? Math.round((durationSec * frameRate.num) / frameRate.den) : null;
  return {
    path,
    container: demuxer.formatName,
    codec: codecLabel(vs),
    width: vs.codecpar.width,
    height: vs.codecpar.height,
    timeBase,
    frameRate,
    durationSec,
    expectedFrames,
    copiedStreams: copied,
  };
}
