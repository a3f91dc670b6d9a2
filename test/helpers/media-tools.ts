/**
 * Test-side checks of media files (streams, packet counts, per-frame times,
 * clean decoding, PSNR), done like ffprobe does them but with node-av
 * directly: no system ffmpeg/ffprobe is needed, and f2d's own reader is not
 * used, so checks of f2d's output stay independent of the code under test.
 * test/integration/media-tools.test.ts holds these answers against ffprobe's
 * where ffmpeg is installed.
 */
import {
  AV_FRAME_FLAG_CORRUPT,
  AV_NOPTS_VALUE,
  AV_PKT_DATA_DISPLAYMATRIX,
  AV_PKT_FLAG_CORRUPT,
  AVERROR_EOF,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
  Decoder,
  Demuxer,
  FFmpegError,
  Packet,
  avGetCodecName,
  avGetMediaTypeString,
  avGetPixFmtName,
  type AVPixelFormat,
  type Frame,
  type Stream,
} from 'node-av';
import { quietly } from './ffmpeg-log.js';

export interface ProbedStream {
  readonly index: number;
  /** 'video', 'audio', 'data', 'subtitle', 'attachment'. */
  readonly type: string;
  readonly codec: string;
  /** Video only (0 otherwise). */
  readonly width: number;
  readonly height: number;
  /** Video only (null otherwise), e.g. 'yuv420p'. */
  readonly pixelFormat: string | null;
  /** Packets in the file (ffprobe's `-count_packets`). */
  readonly packets: number;
  /** Degrees from the stream's display matrix, as ffprobe prints it (null without one). */
  readonly rotation: number | null;
}

function openFile(path: string): Demuxer {
  try {
    return quietly(() => Demuxer.openSync(path));
  } catch (err) {
    throw new Error(`cannot open "${path}": ${(err as Error).message}`);
  }
}

/**
 * Reads every packet of the file in order (raw timestamps, as ffprobe sees them);
 * throws on a read error other than the end of the file.
 */
function forEachPacket(path: string, demuxer: Demuxer, onPacket: (packet: Packet, stream: Stream) => void): void {
  const packet = new Packet();
  packet.alloc();
  try {
    for (;;) {
      const ret = demuxer.getFormatContext().readFrameSync(packet);
      if (ret === AVERROR_EOF) return;
      if (ret < 0) throw new Error(`"${path}": read error: ${FFmpegError.strerror(ret)}`);
      try {
        const stream = demuxer.streams[packet.streamIndex];
        if (stream) {
          packet.timeBase = stream.timeBase;
          onPacket(packet, stream);
        }
      } finally {
        packet.unref();
      }
    }
  } finally {
    packet.free();
  }
}

/** The rotation in a display matrix, as FFmpeg's av_display_rotation_get gives it. */
function rotationOf(matrix: Buffer): number {
  const at = (i: number): number => matrix.readInt32LE(i * 4) / 65536;
  const scaleX = Math.hypot(at(0), at(3));
  const scaleY = Math.hypot(at(1), at(4));
  if (scaleX === 0 || scaleY === 0) return 0;
  const degrees = -(Math.atan2(at(1) / scaleY, at(0) / scaleX) * 180) / Math.PI;
  return Math.round(degrees) + 0; // + 0 turns -0 into 0
}

/** Streams with packet counts (ffprobe `-count_packets -show_streams`). */
export function probeStreams(path: string): ProbedStream[] {
  const demuxer = openFile(path);
  try {
    const packets = demuxer.streams.map(() => 0);
    quietly(() =>
      forEachPacket(path, demuxer, (p) => {
        packets[p.streamIndex] = (packets[p.streamIndex] ?? 0) + 1;
      }),
    );
    return demuxer.streams.map((s) => {
      const par = s.codecpar;
      const isVideo = par.codecType === AVMEDIA_TYPE_VIDEO;
      const matrix = par.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX);
      return {
        index: s.index,
        type: avGetMediaTypeString(par.codecType) ?? 'unknown',
        codec: avGetCodecName(par.codecId) ?? 'unknown',
        width: isVideo ? par.width : 0,
        height: isVideo ? par.height : 0,
        pixelFormat: isVideo ? avGetPixFmtName(par.format as AVPixelFormat) : null,
        packets: packets[s.index] ?? 0,
        rotation: matrix === null ? null : rotationOf(matrix),
      };
    });
  } finally {
    demuxer.closeSync();
  }
}

/** What decoding the first video stream found. */
export interface DecodedVideo {
  readonly codec: string;
  /** Decoded frames (ffprobe's `-count_frames`). */
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  /** Every distinct frame size, 'WxH', in the order they appear. */
  readonly sizes: readonly string[];
  /** Presentation time of each frame in seconds, rounded to the microsecond as ffprobe prints it. */
  readonly times: readonly number[];
  /** Frames the decoder had to hold back for reordering (ffprobe's `has_b_frames`). */
  readonly reorderDelay: number;
}

/** Why a decoded frame is not clean, or null. */
function frameDamage(frame: Frame): string | null {
  if (frame.decodeErrorFlags !== 0) return `decode error flags ${frame.decodeErrorFlags}`;
  if ((frame.flags & AV_FRAME_FLAG_CORRUPT) !== 0) return 'a frame flagged corrupt';
  return null;
}

/**
 * Decodes the chosen streams of the file, handing each frame to `onFrame`; throws
 * (naming the file, stream and frame) at the first read error, damaged packet,
 * decoder error or damaged frame, as `ffmpeg -xerror` stops.
 */
function decodeStreams(path: string, pick: (s: Stream, demuxer: Demuxer) => boolean, onFrame: (frame: Frame, stream: Stream, decoder: Decoder) => void, demuxer = openFile(path)): void {
  quietly(() => decodeStreamsLoudly(path, pick, onFrame, demuxer));
}

function decodeStreamsLoudly(path: string, pick: (s: Stream, demuxer: Demuxer) => boolean, onFrame: (frame: Frame, stream: Stream, decoder: Decoder) => void, demuxer: Demuxer): void {
  const decoders = new Map<number, Decoder>();
  const counts = new Map<number, number>();
  const feed = (stream: Stream, decoder: Decoder, packet: Packet | null): void => {
    const where = (): string => `"${path}" stream #${stream.index}, after ${counts.get(stream.index) ?? 0} frames`;
    if (packet !== null && (packet.flags & AV_PKT_FLAG_CORRUPT) !== 0) throw new Error(`${where()}: a damaged packet`);
    let frames: Frame[];
    try {
      frames = decoder.decodeAllSync(packet);
    } catch (err) {
      throw new Error(`${where()}: the decoder failed: ${(err as Error).message}`);
    }
    try {
      for (const frame of frames) {
        const damage = frameDamage(frame);
        if (damage !== null) throw new Error(`${where()}: ${damage}`);
        counts.set(stream.index, (counts.get(stream.index) ?? 0) + 1);
        onFrame(frame, stream, decoder);
      }
    } finally {
      for (const frame of frames) frame.free();
    }
  };
  try {
    for (const s of demuxer.streams) {
      if (!pick(s, demuxer)) continue;
      try {
        decoders.set(s.index, Decoder.createSync(s));
      } catch (err) {
        throw new Error(`"${path}" stream #${s.index}: no decoder: ${(err as Error).message}`);
      }
    }
    forEachPacket(path, demuxer, (packet, stream) => {
      const decoder = decoders.get(stream.index);
      if (decoder) feed(stream, decoder, packet);
    });
    for (const [index, decoder] of decoders) {
      const stream = demuxer.streams[index];
      if (stream) feed(stream, decoder, null);
    }
  } finally {
    for (const decoder of decoders.values()) decoder.close();
    demuxer.closeSync();
  }
}

const firstVideo = (s: Stream, demuxer: Demuxer): boolean => s === demuxer.streams.find((x) => x.codecpar.codecType === AVMEDIA_TYPE_VIDEO);

/** Decodes the first video stream (ffprobe `-select_streams v:0 -count_frames`); throws if any of it is damaged. */
export function decodeVideo(path: string): DecodedVideo {
  const demuxer = openFile(path);
  const stream = demuxer.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
  if (!stream) {
    demuxer.closeSync();
    throw new Error(`"${path}" has no video stream`);
  }
  const codec = avGetCodecName(stream.codecpar.codecId) ?? 'unknown';
  const times: number[] = [];
  const sizes: string[] = [];
  let frames = 0;
  let reorderDelay = 0;
  let size = { width: 0, height: 0 };
  decodeStreams(
    path,
    firstVideo,
    (frame, s, decoder) => {
      frames++;
      const pts = frame.pts !== AV_NOPTS_VALUE ? frame.pts : frame.bestEffortTimestamp;
      if (pts !== AV_NOPTS_VALUE) times.push(Math.round((Number(pts) * s.timeBase.num * 1e6) / s.timeBase.den) / 1e6);
      const label = `${frame.width}x${frame.height}`;
      if (sizes.at(-1) !== label) sizes.push(label);
      size = { width: frame.width, height: frame.height };
      reorderDelay = Math.max(reorderDelay, decoder.getCodecContext()?.hasBFrames ?? 0);
    },
    demuxer,
  );
  return { codec, frames, ...size, sizes: [...new Set(sizes)], times, reorderDelay };
}

/** Presentation times (s) of every decoded frame of the first video stream, in order. */
export function framePtsTimes(path: string): number[] {
  return [...decodeVideo(path).times];
}

/** Decodes the whole file (or only its video streams); throws if anything in it is damaged. */
export function decodesCleanly(path: string, only?: 'video'): void {
  const wanted = only === 'video' ? [AVMEDIA_TYPE_VIDEO] : [AVMEDIA_TYPE_VIDEO, AVMEDIA_TYPE_AUDIO];
  decodeStreams(path, (s) => wanted.includes(s.codecpar.codecType), () => {});
}

/** Container duration in seconds (ffprobe's format duration). */
export function durationSec(path: string): number {
  const demuxer = openFile(path);
  try {
    return demuxer.duration;
  } finally {
    demuxer.closeSync();
  }
}

/** Luma planes of the first video stream's frames, in decode order (8-bit planar YUV or gray only). */
function lumaPlanes(path: string): { width: number; height: number; luma: Uint8Array }[] {
  const planes: { width: number; height: number; luma: Uint8Array }[] = [];
  decodeStreams(path, firstVideo, (frame) => {
    const format = avGetPixFmtName(frame.format as AVPixelFormat) ?? String(frame.format);
    if (!/^(yuvj?4[0-4][0-4]p|gray)$/.test(format)) throw new Error(`psnrY: "${path}" is ${format}; only 8-bit planar YUV or gray is compared`);
    const plane = frame.data?.[0];
    const stride = frame.linesize[0] ?? 0;
    if (!plane) throw new Error(`psnrY: "${path}": a frame without picture data`);
    const luma = new Uint8Array(frame.width * frame.height);
    for (let y = 0; y < frame.height; y++) luma.set(plane.subarray(y * stride, y * stride + frame.width), y * frame.width);
    planes.push({ width: frame.width, height: frame.height, luma });
  });
  return planes;
}

/**
 * Luma PSNR (dB) of `b` against `a` over their common frames, taken in order:
 * from the mean of the per-frame squared errors, as FFmpeg's psnr filter reports
 * its average `y:` figure. Infinity when the pictures are identical.
 */
export function psnrY(a: string, b: string): number {
  const pa = lumaPlanes(a);
  const pb = lumaPlanes(b);
  const n = Math.min(pa.length, pb.length);
  if (n === 0) throw new Error(`psnrY: no frames to compare in "${a}" (${pa.length}) and "${b}" (${pb.length})`);
  let mseSum = 0;
  for (let i = 0; i < n; i++) {
    const fa = pa[i]!;
    const fb = pb[i]!;
    if (fa.width !== fb.width || fa.height !== fb.height) throw new Error(`psnrY: frame ${i} is ${fa.width}x${fa.height} in "${a}" but ${fb.width}x${fb.height} in "${b}"`);
    let sum = 0;
    for (let j = 0; j < fa.luma.length; j++) {
      const d = fa.luma[j]! - fb.luma[j]!;
      sum += d * d;
    }
    mseSum += sum / fa.luma.length;
  }
  const mse = mseSum / n;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}
