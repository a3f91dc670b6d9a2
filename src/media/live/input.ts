/**
 * Live demux + decode with node-av: RTSP, V4L2 cameras, HTTP/HLS and files,
 * read one picture at a time as RGB24.
 *
 * Only async node-av calls are used here: a live input may block for seconds
 * waiting for the network or a camera, and the async calls run on the libuv
 * pool, so the WebSocket server keeps serving meanwhile. The low-level
 * `FormatContext.readFrame()` is used instead of `Demuxer.packets()`, which
 * silently yields nothing on Node 20 (it needs `Promise.withResolvers`).
 */
import { Decoder, Demuxer, Scaler } from 'node-av/api';
import { AVERROR_EOF, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import { FFmpegError, Packet, type Frame } from 'node-av/lib';
import { nowMs } from '../../clock.js';
import { F2dError, InvalidStateError } from '../../errors.js';

/** How to open a {@link LiveInput}. */
export interface LiveInputOptions {
  /** FFmpeg input format to force (`v4l2`, `hls`, …); detected from the URL when absent. */
  readonly format?: string;
  /** FFmpeg demuxer/protocol options, e.g. `{ rtsp_transport: 'tcp' }`. */
  readonly options?: Readonly<Record<string, string>>;
  /** Output size; the source size when absent. */
  readonly width?: number;
  readonly height?: number;
}

/** One decoded picture. */
export interface LivePicture {
  readonly width: number;
  readonly height: number;
  /** RGB24, rows packed. */
  readonly data: Buffer;
  /** Wall-clock ms (epoch, sub-ms) when the packet completing this picture was read. */
  readonly readMs: number;
  /** Presentation time in seconds, or `null` when the source has none. */
  readonly ptsSeconds: number | null;
}

/** What {@link LiveInput.info} reports after opening. */
export interface LiveInputInfo {
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** Nominal frame rate, or `null` when the container does not say. */
  readonly fps: number | null;
  readonly format: string;
}

/**
 * An opened live input. Build with {@link LiveInput.open}; release with
 * {@link LiveInput.close} (idempotent). {@link LiveInput.interrupt} unblocks a
 * pending read from another task (used to stop a stalled network source).
 *
 * @example
 * const input = await LiveInput.open('rtsp://cam/stream', { options: { rtsp_transport: 'tcp' } });
 * for (let p = await input.read(); p !== null; p = await input.read()) show(p);
 * await input.close();
 */
export class LiveInput {
  readonly #url: string;
  readonly #demuxer: Demuxer;
  readonly #decoder: Decoder;
  readonly #scaler = new Scaler();
  readonly #packet = new Packet();
  readonly #streamIndex: number;
  readonly #timeBase: { num: number; den: number };
  readonly #size: { width: number; height: number } | null;
  readonly #pending: Array<{ frame: Frame; readMs: number }> = [];
  #flushed = false;
  #closed = false;
  /** The read in progress: {@link close} waits for it before freeing native state. */
  #busy: Promise<LivePicture | null> | null = null;
  readonly info: LiveInputInfo;

  private constructor(url: string, demuxer: Demuxer, decoder: Decoder, streamIndex: number, options: LiveInputOptions) {
    this.#url = url;
    this.#demuxer = demuxer;
    this.#decoder = decoder;
    this.#streamIndex = streamIndex;
    this.#packet.alloc();
    const stream = demuxer.streams[streamIndex];
    const par = stream?.codecpar;
    this.#timeBase = stream?.timeBase ?? { num: 1, den: 90000 };
    const rate = stream?.avgFrameRate;
    const width = options.width ?? par?.width ?? 0;
    const height = options.height ?? par?.height ?? 0;
    this.#size = options.width !== undefined && options.height !== undefined ? { width, height } : null;
    this.info = {
      codec: decoder.getCodec().name ?? 'unknown',
      width,
      height,
      fps: rate !== undefined && rate.num > 0 && rate.den > 0 ? rate.num / rate.den : null,
      format: demuxer.formatName ?? options.format ?? 'unknown',
    };
  }

  /**
   * Opens `url` and its first video stream.
   *
   * @throws F2dError `ERR_SOURCE_OPEN` (category `network` or `input`, not fatal: the caller may retry)
   *   when the input cannot be opened; `ERR_SOURCE_NO_VIDEO` when it has no video stream.
   */
  static async open(url: string, options: LiveInputOptions = {}): Promise<LiveInput> {
    const category = /^[a-z]+:\/\//i.test(url) ? 'network' : 'input';
    let demuxer: Demuxer;
    try {
      demuxer = await Demuxer.open(url, {
        ...(options.format === undefined ? {} : { format: options.format }),
        options: { ...(options.options ?? {}) },
      });
    } catch (err) {
      throw new F2dError('ERR_SOURCE_OPEN', category, `cannot open live source ${url}: ${(err as Error).message}`, {
        fatal: false,
        cause: err,
        hint: 'check that the source is up and the URI is right (rtsp://host:port/path, /dev/videoN, http(s)://…/x.m3u8, a file path)',
      });
    }
    const stream = demuxer.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
    if (stream === undefined) {
      await demuxer.close();
      throw new F2dError('ERR_SOURCE_NO_VIDEO', 'input', `live source ${url} has no video stream`, {
        hint: 'pass a source with a video track',
      });
    }
    let decoder: Decoder;
    try {
      decoder = await Decoder.create(stream);
    } catch (err) {
      await demuxer.close();
      throw new F2dError('ERR_SOURCE_CODEC', 'decode', `cannot decode the video of ${url}: ${(err as Error).message}`, {
        cause: err,
        hint: 'the bundled FFmpeg has no decoder for this codec; re-encode the source to H.264',
      });
    }
    return new LiveInput(url, demuxer, decoder, stream.index, options);
  }

  /**
   * Reads the next picture.
   *
   * @returns the picture, or `null` at the end of the input (a file's end, a feed that closed).
   * @throws F2dError `ERR_SOURCE_READ` (not fatal) when the read fails (network error, timeout);
   *   InvalidStateError after {@link close}.
   */
  async read(): Promise<LivePicture | null> {
    if (this.#busy !== null) throw new InvalidStateError('ERR_SOURCE_BUSY', `live source ${this.#url}: read() called while a read is pending`);
    const busy = this.#readNext();
    this.#busy = busy;
    try {
      return await busy;
    } finally {
      this.#busy = null;
    }
  }

  async #readNext(): Promise<LivePicture | null> {
    for (;;) {
      if (this.#closed) throw new InvalidStateError('ERR_SOURCE_CLOSED', `live source ${this.#url} is closed`);
      const ready = this.#pending.shift();
      if (ready !== undefined) return this.#convert(ready.frame, ready.readMs);
      if (this.#flushed) return null;
      const ret = await this.#demuxer.getFormatContext().readFrame(this.#packet);
      if (this.#closed) throw new InvalidStateError('ERR_SOURCE_CLOSED', `live source ${this.#url} is closed`);
      const readMs = nowMs();
      if (ret === AVERROR_EOF) {
        await this.#decoder.flush();
        this.#flushed = true;
        await this.#drain(readMs);
        continue;
      }
      if (ret < 0) {
        throw new F2dError('ERR_SOURCE_READ', 'network', `reading ${this.#url} failed: ${FFmpegError.strerror(ret)}`, {
          fatal: false,
          hint: 'the source stopped sending; it is reopened with back-off',
        });
      }
      try {
        if (this.#packet.streamIndex !== this.#streamIndex) continue;
        await this.#decoder.decode(this.#packet);
      } finally {
        this.#packet.unref();
      }
      await this.#drain(readMs);
    }
  }

  async #drain(readMs: number): Promise<void> {
    for (;;) {
      const frame = await this.#decoder.receive();
      if (frame === null || frame === undefined || !('width' in frame)) return;
      this.#pending.push({ frame, readMs });
    }
  }

  async #convert(frame: Frame, readMs: number): Promise<LivePicture> {
    try {
      const width = this.#size?.width ?? frame.width;
      const height = this.#size?.height ?? frame.height;
      const data = await this.#scaler.toBuffer(frame, {
        format: 'rgb',
        ...(width !== frame.width || height !== frame.height ? { resize: { width, height } } : {}),
      });
      const pts = frame.bestEffortTimestamp;
      // AV_NOPTS_VALUE is INT64_MIN.
      const ptsSeconds = pts === -(2n ** 63n) ? null : (Number(pts) * this.#timeBase.num) / this.#timeBase.den;
      return { width, height, data, readMs, ptsSeconds };
    } finally {
      frame.free();
    }
  }

  /** Unblocks a pending {@link read}, which then ends as at end of input. Safe to call at any time. */
  interrupt(): void {
    if (!this.#closed) this.#demuxer.interrupt();
  }

  /** Releases the input; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const busy = this.#busy;
    if (busy !== null) {
      this.#demuxer.interrupt();
      // Native state must not be freed under a read running on the libuv pool.
      await busy.then(
        () => undefined,
        () => undefined,
      );
    }
    for (const p of this.#pending.splice(0)) p.frame.free();
    this.#decoder.close();
    this.#scaler.close();
    this.#packet.free();
    await this.#demuxer.close();
  }
}
