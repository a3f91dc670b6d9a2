/**
 * Small clips generated for the tests (nothing large is committed), with
 * node-av directly: FFmpeg's lavfi sources (testsrc2, sine) are read as an
 * input, encoded and muxed here. No system ffmpeg is needed, and f2d's own
 * reader and writer are not used, so a bug there cannot hide in the inputs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AV_OPT_SEARCH_CHILDREN,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVMEDIA_TYPE_VIDEO,
  Decoder,
  Demuxer,
  Encoder,
  FF_ENCODER_AAC,
  FF_ENCODER_FFV1,
  FF_ENCODER_LIBWEBP,
  FF_ENCODER_LIBX264,
  FF_ENCODER_MJPEG,
  FF_ENCODER_PNG,
  Muxer,
  type FFEncoderCodec,
  type Packet,
} from 'node-av';
import { quietly } from './ffmpeg-log.js';

/** `test/.tmp/<name>` (gitignored), created fresh. */
export function tmpDir(name: string): string {
  const dir = join('test', '.tmp', `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** How one lavfi output is encoded. */
interface StreamEncoding {
  readonly codec: FFEncoderCodec;
  /** Private codec options (x264's preset, crf…), set with setOption. */
  readonly options?: Readonly<Record<string, string>>;
  /** Key frame interval in frames. */
  readonly gop?: number;
}

interface EncodeJob {
  /** A lavfi filter graph whose outputs are labelled [out0], [out1]… (one per encoding, in order). */
  readonly graph: string;
  readonly encodings: readonly StreamEncoding[];
  /** Container, when the extension does not say it (e.g. 'hls'). */
  readonly format?: string;
  readonly muxerOptions?: Readonly<Record<string, string>>;
}

/**
 * Encodes every frame the lavfi graph produces into `path`. Sync node-av calls only:
 * the async packet reader does not work on Node 20 (see README, dependencies).
 */
function encodeGraph(path: string, job: EncodeJob): string {
  return quietly(() => encodeGraphLoudly(path, job));
}

function encodeGraphLoudly(path: string, job: EncodeJob): string {
  const source = Demuxer.openSync(job.graph, { format: 'lavfi' });
  const lanes: { decoder: Decoder; encoder: Encoder; out: number }[] = [];
  let muxer: Muxer | null = null;
  try {
    muxer = Muxer.openSync(path, { ...(job.format ? { format: job.format } : {}), ...(job.muxerOptions ? { options: job.muxerOptions } : {}) });
    const m = muxer;
    for (const stream of source.streams) {
      const encoding = job.encodings[stream.index];
      if (!encoding) throw new Error(`lavfi output ${stream.index} has no encoding: ${job.graph}`);
      const decoder = Decoder.createSync(stream);
      const isVideo = stream.codecpar.codecType === AVMEDIA_TYPE_VIDEO;
      // Codec options go through setOption: Encoder.create's `options` bag crashes node-av 6.1.1 at exit.
      const encoder = Encoder.createSync(encoding.codec, {
        decoder,
        ...(isVideo ? {} : { autoResample: true }),
        configure: (ctx) => {
          if (encoding.gop !== undefined) ctx.gopSize = encoding.gop;
          for (const [name, value] of Object.entries(encoding.options ?? {})) {
            const ret = ctx.setOption(name, value, undefined as never, AV_OPT_SEARCH_CHILDREN);
            if (ret < 0) throw new Error(`${encoding.codec} refused ${name}=${value} (${ret})`);
          }
        },
      });
      lanes.push({ decoder, encoder, out: m.addStream(encoder, { inputStream: stream }) });
    }
    const write = (lane: (typeof lanes)[number], packets: Packet[]): void => {
      for (const p of packets) {
        try {
          m.writePacketSync(p, lane.out);
        } finally {
          p.free();
        }
      }
    };
    const push = (lane: (typeof lanes)[number], packet: Packet | null): void => {
      for (const frame of lane.decoder.decodeAllSync(packet)) {
        try {
          write(lane, lane.encoder.encodeAllSync(frame));
        } finally {
          frame.free();
        }
      }
    };
    for (const packet of source.packetsSync()) {
      if (packet === null) break;
      try {
        const lane = lanes[packet.streamIndex];
        if (lane) push(lane, packet);
      } finally {
        packet.free();
      }
    }
    for (const lane of lanes) {
      push(lane, null);
      write(lane, lane.encoder.encodeAllSync(null));
      m.writePacketSync(null, lane.out);
    }
  } finally {
    muxer?.closeSync();
    for (const { decoder, encoder } of lanes) {
      encoder.close();
      decoder.close();
    }
    source.closeSync();
  }
  return path;
}

const x264 = (gop: number): StreamEncoding => ({ codec: FF_ENCODER_LIBX264, gop, options: { preset: 'ultrafast', crf: '23' } });
const SINE = 'sine=frequency=440:sample_rate=48000';

export interface ClipOptions {
  /** Width and height may be odd with `pixelFormat: 'yuv444p'`. */
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly seconds?: number;
  /** Add a 440 Hz sine audio track (AAC, mono, 48 kHz). */
  readonly audio?: boolean;
  /** Keyframe interval in frames. */
  readonly gop?: number;
  /** Pixel format of the H.264 stream. */
  readonly pixelFormat?: 'yuv420p' | 'yuv444p';
  /** Container when the extension does not name one (e.g. 'hls' for an .m3u8 playlist). */
  readonly format?: string;
  /** Container options, e.g. `{ hls_time: '1' }`. */
  readonly muxerOptions?: Readonly<Record<string, string>>;
}

/** A test pattern clip (testsrc2, H.264) at `path`; the container follows the extension. */
export function makeClip(path: string, o: ClipOptions = {}): string {
  const { width = 160, height = 120, fps = 25, seconds = 2, audio = false, gop = 25, pixelFormat = 'yuv420p' } = o;
  const video = `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds},format=${pixelFormat}[out0]`;
  const graph = audio ? `${video};${SINE}:duration=${seconds}[out1]` : video;
  const encodings = audio ? [x264(gop), { codec: FF_ENCODER_AAC }] : [x264(gop)];
  const muxerOptions = o.muxerOptions ?? (path.endsWith('.mp4') ? { movflags: '+faststart' } : undefined);
  return encodeGraph(path, { graph, encodings, ...(o.format ? { format: o.format } : {}), ...(muxerOptions ? { muxerOptions } : {}) });
}

/**
 * A variable-frame-rate clip: frames 0–19 every 1/30 s, then every 0.1 s
 * (Matroska, millisecond timestamps).
 */
export function makeVfrClip(path: string): string {
  // setpts in the 1/30 s time base: N for the first 20 frames, then steps of 3 (0.1 s).
  const graph = "testsrc2=size=160x120:rate=30:duration=2,setpts='if(lt(N,20),N,20+(N-20)*3)',format=yuv420p[out0]";
  return encodeGraph(path, { graph, encodings: [x264(25)] });
}

/** One still picture (testsrc2) encoded as the extension says: png, jpg or webp. */
export function makeStill(path: string, width = 96, height = 64): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const byExt: Record<string, { codec: FFEncoderCodec; pixelFormat: string }> = {
    png: { codec: FF_ENCODER_PNG, pixelFormat: 'rgb24' },
    jpg: { codec: FF_ENCODER_MJPEG, pixelFormat: 'yuvj420p' },
    jpeg: { codec: FF_ENCODER_MJPEG, pixelFormat: 'yuvj420p' },
    webp: { codec: FF_ENCODER_LIBWEBP, pixelFormat: 'yuv420p' },
  };
  const still = byExt[ext];
  if (!still) throw new Error(`makeStill: no image encoder for .${ext}`);
  // rate=1 with duration=1: exactly one frame; image2 with `update` writes it to the one file named.
  const graph = `testsrc2=size=${width}x${height}:rate=1:duration=1,format=${still.pixelFormat}[out0]`;
  return encodeGraph(path, { graph, encodings: [{ codec: still.codec }], format: 'image2', muxerOptions: { update: '1' } });
}

/** An AVI whose video FourCC no FFmpeg decoder knows (FFV1 relabelled ZZZZ). */
export function makeUnknownCodecClip(path: string): string {
  const tmp = `${path}.ffv1.avi`;
  encodeGraph(tmp, { graph: 'testsrc2=size=64x48:rate=5:duration=1[out0]', encodings: [{ codec: FF_ENCODER_FFV1 }] });
  const data = readFileSync(tmp);
  const from = Buffer.from('FFV1');
  for (let i = data.indexOf(from); i >= 0; i = data.indexOf(from, i + 4)) Buffer.from('ZZZZ').copy(data, i);
  writeFileSync(path, data);
  return path;
}

/**
 * A display matrix for a rotation of `degrees` counter-clockwise, the angle
 * ffprobe reports (FFmpeg's av_display_rotation_set(-degrees): 3x3, 16.16 fixed
 * point, the last entry 2.30).
 */
function displayMatrix(degrees: number): Buffer {
  const radians = (degrees * Math.PI) / 180;
  const fixed = (x: number): number => Math.trunc(x * 65536);
  const m = Buffer.alloc(36);
  m.writeInt32LE(fixed(Math.cos(radians)), 0);
  m.writeInt32LE(fixed(-Math.sin(radians)), 4);
  m.writeInt32LE(fixed(Math.sin(radians)), 12);
  m.writeInt32LE(fixed(Math.cos(radians)), 16);
  m.writeInt32LE(1 << 30, 32);
  return m;
}

/**
 * Copies every stream of `inputs` (in order) into `path` unchanged, each file's
 * timestamps following on from the previous one's end, as `ffmpeg -f concat -c copy`
 * does. The output's streams are the first input's; `rotation` (degrees
 * counter-clockwise, as ffprobe reports it) adds a display matrix to its video
 * stream, as phones write one.
 */
export function remux(inputs: readonly string[], path: string, options: { readonly rotation?: number } = {}): string {
  return quietly(() => remuxLoudly(inputs, path, options));
}

function remuxLoudly(inputs: readonly string[], path: string, options: { readonly rotation?: number }): string {
  const [first, ...rest] = inputs;
  if (first === undefined) throw new Error('remux: no input');
  const demuxers: Demuxer[] = [];
  let muxer: Muxer | null = null;
  try {
    const head = Demuxer.openSync(first);
    demuxers.push(head);
    muxer = Muxer.openSync(path, { input: head });
    const m = muxer;
    const outs = head.streams.map((s) => m.addStream(s));
    if (options.rotation !== undefined) {
      const v = head.video();
      const out = v === undefined ? undefined : m.streams[outs[v.index] ?? -1];
      if (!out) throw new Error(`remux: ${first} has no video stream to rotate`);
      out.codecpar.addCodedSideData(AV_PKT_DATA_DISPLAYMATRIX, displayMatrix(options.rotation));
    }
    /** Per output stream: where the next file's timestamps start, in that stream's input time base. */
    const offsets = head.streams.map(() => 0n);
    for (const input of [first, ...rest]) {
      const demuxer = input === first ? head : Demuxer.openSync(input);
      if (demuxer !== head) demuxers.push(demuxer);
      const ends = offsets.slice();
      for (const packet of demuxer.packetsSync()) {
        if (packet === null) break;
        try {
          const index = packet.streamIndex;
          const stream = demuxer.streams[index];
          const target = head.streams[index];
          const out = outs[index];
          if (!stream || !target || out === undefined) continue;
          packet.rescaleTs(stream.timeBase, target.timeBase);
          const offset = offsets[index] ?? 0n;
          packet.pts += offset;
          packet.dts += offset;
          const end = packet.pts + packet.duration;
          if (end > (ends[index] ?? 0n)) ends[index] = end;
          packet.timeBase = target.timeBase;
          m.writePacketSync(packet, out);
        } finally {
          packet.free();
        }
      }
      ends.forEach((end, i) => (offsets[i] = end));
    }
    for (const out of outs) m.writePacketSync(null, out);
  } finally {
    muxer?.closeSync();
    for (const d of demuxers) d.closeSync();
  }
  return path;
}

/** Overwrites `length` bytes in the middle of a copy of `src` with pseudo-random bytes. */
export function corruptMiddle(src: string, dst: string, length: number): string {
  const data = readFileSync(src);
  let seed = 12345;
  const start = Math.floor(data.length / 2);
  for (let i = start; i < Math.min(data.length, start + length); i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  writeFileSync(dst, data);
  return dst;
}

/** A copy of `src` cut to `fraction` of its size. */
export function truncateCopy(src: string, dst: string, fraction: number): string {
  const data = readFileSync(src);
  writeFileSync(dst, data.subarray(0, Math.floor(data.length * fraction)));
  return dst;
}
