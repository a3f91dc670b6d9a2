/**
 * Low-latency H.264 encoding of RGB24 pictures into Annex-B access units for
 * WebCodecs viewers.
 *
 * Why the low-level node-av API: the high-level `Encoder` clears each frame's
 * picture type, so a key frame cannot be forced when a viewer joins; and
 * `Encoder.create(..., { options })` crashes at exit on node-av 6.1.1 (see
 * docs/measurements.md), so codec options are set with `setOption`.
 *
 * The stream has no frame reordering: no B-frames, `tune=zerolatency` (no
 * lookahead, no frame threads), and x264 then writes `max_num_reorder_frames=0`
 * in the SPS VUI, so a WebCodecs decoder outputs each frame as soon as it is
 * decoded instead of holding a DPB's worth of frames. SPS and PPS are repeated
 * before every key frame (`repeat-headers`) so any key frame starts a viewer.
 */
import { AV_OPT_SEARCH_CHILDREN, AV_OPT_TYPE_STRING, FF_ENCODER_LIBX264, AV_PICTURE_TYPE_I, AV_PICTURE_TYPE_NONE, AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P, AVERROR_EAGAIN, AVERROR_EOF, SWS_BILINEAR } from 'node-av/constants';
import { Codec, CodecContext, FFmpegError, Frame, Packet, Rational, SoftwareScaleContext } from 'node-av/lib';
import { F2dError, InvalidStateError } from '../../errors.js';

/** Settings of {@link LiveH264Encoder}. */
export interface LiveH264EncoderOptions {
  readonly width: number;
  readonly height: number;
  /** Nominal frame rate: sets the level and the rate control's frame budget. */
  readonly fps: number;
  /** x264 preset (`ultrafast` … `medium`). */
  readonly preset: string;
  /** Constant rate factor (0–51, lower is better). */
  readonly crf: number;
  /** Maximum distance between key frames, in frames. */
  readonly keyInterval: number;
  /** Encoder threads (slice threads: they add no latency). */
  readonly threads: number;
}

/** One encoded access unit. */
export interface EncodedPicture {
  /** Annex-B bytes (start codes); key frames begin with SPS and PPS. */
  readonly data: Buffer;
  readonly key: boolean;
  /** Frame index given to {@link LiveH264Encoder.encode}. */
  readonly index: number;
}

/**
 * An x264 encoder that returns exactly one access unit per picture, at once.
 * Build with {@link LiveH264Encoder.create}; release with {@link close}
 * (idempotent); {@link encode} after close throws InvalidStateError.
 *
 * @example
 * const enc = await LiveH264Encoder.create({ width: 640, height: 360, fps: 25, preset: 'ultrafast', crf: 26, keyInterval: 50, threads: 1 });
 * const au = await enc.encode(rgb, { forceKey: viewerJoined });
 * await enc.close();
 */
export class LiveH264Encoder {
  readonly #ctx: CodecContext;
  readonly #sws: SoftwareScaleContext;
  readonly #rgb: Frame;
  readonly #yuv: Frame;
  readonly #packet: Packet;
  readonly #width: number;
  readonly #height: number;
  #index = 0;
  #closed = false;
  #busy: Promise<EncodedPicture | null> | null = null;

  private constructor(ctx: CodecContext, options: LiveH264EncoderOptions) {
    this.#ctx = ctx;
    this.#width = options.width;
    this.#height = options.height;
    this.#sws = new SoftwareScaleContext();
    this.#sws.getContext(options.width, options.height, AV_PIX_FMT_RGB24, options.width, options.height, AV_PIX_FMT_YUV420P, SWS_BILINEAR);
    this.#rgb = allocFrame(options.width, options.height, AV_PIX_FMT_RGB24);
    this.#yuv = allocFrame(options.width, options.height, AV_PIX_FMT_YUV420P);
    this.#packet = new Packet();
    this.#packet.alloc();
  }

  /**
   * Opens libx264 for the given size.
   *
   * @throws F2dError `ERR_ENCODE_OPEN` when libx264 is missing or refuses the settings.
   */
  static async create(options: LiveH264EncoderOptions): Promise<LiveH264Encoder> {
    if (options.width % 2 !== 0 || options.height % 2 !== 0) {
      throw new F2dError('ERR_ENCODE_SIZE', 'encode', `H.264 4:2:0 needs an even size, got ${options.width}x${options.height}`, {
        hint: 'set the live pipeline\'s width and height to even numbers',
      });
    }
    const codec = Codec.findEncoderByName(FF_ENCODER_LIBX264);
    if (codec === null) {
      throw new F2dError('ERR_ENCODE_OPEN', 'encode', 'the bundled FFmpeg has no libx264 encoder', {
        hint: 'reinstall node-av so its FFmpeg build with libx264 is used',
      });
    }
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    const fps = Math.max(1, Math.round(options.fps));
    ctx.width = options.width;
    ctx.height = options.height;
    ctx.pixelFormat = AV_PIX_FMT_YUV420P;
    ctx.timeBase = new Rational(1, fps);
    ctx.framerate = new Rational(fps, 1);
    ctx.gopSize = options.keyInterval;
    ctx.maxBFrames = 0;
    ctx.threadCount = options.threads;
    const settings: Array<[string, string]> = [
      ['preset', options.preset],
      ['tune', 'zerolatency'],
      ['crf', String(options.crf)],
      ['forced-idr', '1'],
      // bframes=0 and repeat-headers are what WebCodecs needs; sliced-threads keeps threads latency-free.
      ['x264-params', `bframes=0:repeat-headers=1:sliced-threads=1:keyint=${options.keyInterval}:min-keyint=1:scenecut=0`],
    ];
    for (const [name, value] of settings) {
      const ret = ctx.setOption(name, value, AV_OPT_TYPE_STRING, AV_OPT_SEARCH_CHILDREN);
      if (ret < 0) {
        ctx.freeContext();
        throw new F2dError('ERR_ENCODE_OPEN', 'encode', `libx264 refused ${name}=${value}: ${FFmpegError.strerror(ret)}`, {
          hint: 'check the live encoder settings (encoder.preset, encoder.crf, encoder.keyInterval)',
        });
      }
    }
    const ret = await ctx.open2(codec, null);
    if (ret < 0) {
      ctx.freeContext();
      throw new F2dError('ERR_ENCODE_OPEN', 'encode', `cannot open libx264 at ${options.width}x${options.height}: ${FFmpegError.strerror(ret)}`, {
        hint: 'check the live encoder settings',
      });
    }
    return new LiveH264Encoder(ctx, options);
  }

  /**
   * Encodes one RGB24 picture of the size given at creation.
   *
   * @param rgb - `width * height * 3` bytes.
   * @param options.forceKey - make this picture an IDR key frame (a viewer joined or skipped ahead).
   * @returns the access unit; `null` only if the encoder held the picture back, which the
   *   zero-latency settings prevent.
   * @throws InvalidStateError after close or when called while an encode is pending;
   *   F2dError `ERR_ENCODE_FRAME` when x264 fails.
   */
  async encode(rgb: Uint8Array, options: { readonly forceKey?: boolean } = {}): Promise<EncodedPicture | null> {
    if (this.#closed) throw new InvalidStateError('ERR_ENCODE_CLOSED', 'the live H.264 encoder is closed');
    if (this.#busy !== null) throw new InvalidStateError('ERR_ENCODE_BUSY', 'encode() called while an encode is pending');
    const expected = this.#width * this.#height * 3;
    if (rgb.length !== expected) {
      throw new F2dError('ERR_ENCODE_FRAME', 'encode', `picture has ${rgb.length} bytes, expected ${expected} (${this.#width}x${this.#height} RGB24)`);
    }
    const busy = this.#encodeNow(rgb, options.forceKey === true);
    this.#busy = busy;
    try {
      return await busy;
    } finally {
      this.#busy = null;
    }
  }

  async #encodeNow(rgb: Uint8Array, forceKey: boolean): Promise<EncodedPicture | null> {
    const index = this.#index++;
    this.#rgb.makeWritable();
    FFmpegError.throwIfError(this.#rgb.fromBuffer(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength)), 'copy RGB picture');
    this.#yuv.makeWritable();
    FFmpegError.throwIfError(await this.#sws.scaleFrame(this.#yuv, this.#rgb), 'convert RGB24 to yuv420p');
    this.#yuv.pts = BigInt(index);
    this.#yuv.pictType = forceKey ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    const sent = await this.#ctx.sendFrame(this.#yuv);
    if (sent < 0) {
      throw new F2dError('ERR_ENCODE_FRAME', 'encode', `x264 rejected picture ${index}: ${FFmpegError.strerror(sent)}`, { fatal: false });
    }
    const ret = await this.#ctx.receivePacket(this.#packet);
    if (ret === AVERROR_EAGAIN || ret === AVERROR_EOF) return null;
    if (ret < 0) {
      throw new F2dError('ERR_ENCODE_FRAME', 'encode', `x264 failed on picture ${index}: ${FFmpegError.strerror(ret)}`, { fatal: false });
    }
    try {
      const data = Buffer.from(this.#packet.data ?? Buffer.alloc(0));
      return { data, key: this.#packet.isKeyframe, index };
    } finally {
      this.#packet.unref();
    }
  }

  /** Frees the encoder; idempotent. Waits for an encode in progress. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const busy = this.#busy;
    if (busy !== null) await busy.then(() => undefined, () => undefined);
    this.#packet.free();
    this.#rgb.free();
    this.#yuv.free();
    this.#sws.freeContext();
    this.#ctx.freeContext();
  }
}

function allocFrame(width: number, height: number, format: typeof AV_PIX_FMT_RGB24 | typeof AV_PIX_FMT_YUV420P): Frame {
  const frame = new Frame();
  frame.alloc();
  frame.width = width;
  frame.height = height;
  frame.format = format;
  FFmpegError.throwIfError(frame.allocBuffer(), 'allocate frame');
  return frame;
}
