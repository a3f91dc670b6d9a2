/**
 * Cuts a video's stream, without decoding it, into segment files of about
 * `segmentSec` seconds that start at key frames, for restoration in parallel
 * (`f2d queue`). Only the video stream goes into the segments: the join takes
 * the audio and other streams from the source itself (`join-segments.ts`).
 *
 * GOP-aligned means: every frame is in exactly one segment and decodes from
 * that segment alone. A cut is made only before a key packet where decoding
 * can start (an IDR picture, or an exact recovery point: `random-access-point.ts`)
 * after which no frame shows earlier than it, and before which no frame shows
 * later (closed GOPs, x264's default). An open-GOP stream is cut at its
 * random access points that have no leading frames, when there are any; a
 * stream without such a point, or without timestamps, is not split at all
 * (`null`, with a log line saying why), and is restored whole.
 *
 * Each segment's timestamps are shifted to start at 0 (its `startPts`, in the
 * source's video time base, is returned for the join to shift them back): an
 * MP4 keeps a shift of negative decode times exactly (edit list in the track's
 * time base), whereas a segment starting late would need an empty edit in
 * the movie's millisecond time base, which rounds.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AV_NOPTS_VALUE, AVERROR_EOF, Muxer, Packet, type Demuxer, type Stream } from 'node-av';
import type { Logger } from '../log.js';
import { describeAvError, reason } from './av-errors.js';
import { openDemuxer, videoStreamOf } from './open-input.js';
import { isRandomAccessPoint, nalFormatOf, type NalFormat } from './random-access-point.js';
import type { Ratio } from './video-reader.js';

/** One segment file written. */
export interface VideoSegment {
  readonly path: string;
  /** Presentation time of its first frame in the source, in {@link SegmentSplit.timeBase} units. */
  readonly startPts: bigint;
  readonly startSec: number;
  /** Video packets (frames) in it. */
  readonly frames: number;
}

export interface SegmentSplit {
  /** The source's video time base. */
  readonly timeBase: Ratio;
  readonly segments: readonly VideoSegment[];
}

interface PacketTimes {
  readonly pts: bigint;
  /** Flagged key by the container. */
  readonly key: boolean;
  /** And decoding can start there ({@link isRandomAccessPoint}): an IDR, an exact recovery point. */
  readonly entry: boolean;
}

/** Where a file is cut, or why it is not: a sentence for the log (`expected`: a short file, logged at debug only). */
export type CutPlan = { readonly starts: number[] } | { readonly notSplit: string; readonly expected: boolean };

/** Files shorter than this many segments stay whole: a short tail segment costs more than it saves. */
export const MIN_SEGMENTS_TO_SPLIT = 1.5;

/**
 * Splits `input`'s video into `dir/seg-NNNN.mp4` (each written under a temporary name and
 * renamed), or returns `null` when the file is shorter than {@link MIN_SEGMENTS_TO_SPLIT}
 * segments or cannot be cut cleanly (open GOPs, missing timestamps, a read error: the
 * whole-file job handles damage), or the segments cannot be written (see the warning).
 *
 * @throws {F2dError} the input errors of opening the file (not media, no video…)
 */
export async function splitAtKeyframes(input: string, dir: string, segmentSec: number, log: Logger): Promise<SegmentSplit | null> {
  let plan: CutPlan;
  let timeBase: Ratio;
  // First pass, packets only: where the cuts go. The second pass (writeSegments) reopens the
  // file rather than seeking back, which is not exact in every container.
  const demuxer = openDemuxer(input);
  try {
    const stream = videoStreamOf(demuxer, input);
    timeBase = { num: stream.timeBase.num, den: stream.timeBase.den };
    const packets = scanVideo(demuxer, stream, nalFormatOf(stream.codecpar.codecId, stream.codecpar.extradata));
    plan = packets === null ? { notSplit: 'a packet without a time stamp, or a read error (the whole-file job reports damage)', expected: false } : cutPoints(packets, timeBase, segmentSec);
  } finally {
    demuxer.closeSync();
  }
  if ('notSplit' in plan) {
    // Said once per file: a user who expected segments learns why the file runs on one worker.
    const line = `${input}: not split into segments, restored whole by one worker: ${plan.notSplit}`;
    if (plan.expected) log.debug(line);
    else log.info(line);
    return null;
  }
  const starts = plan.starts;
  await mkdir(dir, { recursive: true });
  try {
    return { timeBase, segments: await writeSegments(input, dir, starts, log) };
  } catch (err) {
    // A codec MP4 cannot hold, a read failure now, a full disk: the file is restored whole
    // instead, which writes no segments and reports a real output error as such.
    log.warn(`${input}: not split, restored whole: ${reason(err)}`);
    await rm(dir, { recursive: true, force: true });
    return null;
  }
}

/**
 * The video frames (packets) of a file, read without decoding, or `null` when it cannot be
 * opened or read to its end (missing, cut short): how a restored segment is checked before
 * it is reused.
 */
export function videoFrameCount(path: string): number | null {
  let demuxer: Demuxer;
  try {
    demuxer = openDemuxer(path);
  } catch {
    // Missing or not media: not a usable segment, which is all the caller asks.
    return null;
  }
  const packet = new Packet();
  packet.alloc();
  try {
    const stream = videoStreamOf(demuxer, path);
    let frames = 0;
    for (;;) {
      const ret = demuxer.getFormatContext().readFrameSync(packet);
      if (ret === AVERROR_EOF) return frames;
      if (ret < 0) return null;
      if (packet.streamIndex === stream.index) frames++;
      packet.unref();
    }
  } catch {
    return null;
  } finally {
    packet.free();
    demuxer.closeSync();
  }
}

/** Timestamps and key flags of the video packets in decode order, or `null` if any lacks a pts or the file cannot be read to its end. */
function scanVideo(demuxer: Demuxer, stream: Stream, format: NalFormat): PacketTimes[] | null {
  const packet = new Packet();
  packet.alloc();
  const out: PacketTimes[] = [];
  try {
    for (;;) {
      const ret = demuxer.getFormatContext().readFrameSync(packet);
      if (ret === AVERROR_EOF) return out;
      if (ret < 0) return null;
      try {
        if (packet.streamIndex !== stream.index) continue;
        if (packet.pts === AV_NOPTS_VALUE) return null;
        const key = packet.isKeyframe;
        out.push({ pts: packet.pts, key, entry: key && isRandomAccessPoint(packet.data, format) });
      } finally {
        packet.unref();
      }
    }
  } finally {
    packet.free();
  }
}

/**
 * Indices (decode order) of the packets that start segments, the first being 0, or why the
 * file makes fewer than two clean segments. A cut goes before a key packet where decoding can
 * start ({@link PacketTimes.entry}) and after which no frame shows earlier than it, while no
 * frame before it shows later: no frame is lost or decoded twice (an open GOP's leading frames
 * would be).
 */
export function cutPoints(packets: readonly PacketTimes[], tb: Ratio, segmentSec: number): CutPlan {
  const first = packets[0];
  if (first === undefined || !first.key) return { notSplit: 'its first frame is not a key frame', expected: false };
  const sec = (ts: bigint): number => (Number(ts) * tb.num) / tb.den;
  let lastPts = first.pts;
  for (const p of packets) if (p.pts > lastPts) lastPts = p.pts;
  if (sec(lastPts - first.pts) < MIN_SEGMENTS_TO_SPLIT * segmentSec) {
    return { notSplit: `shorter than ${MIN_SEGMENTS_TO_SPLIT} segments of ${segmentSec} s (queue.segmentSec)`, expected: true };
  }
  // Clean cut before i: everything before shows earlier than everything from i on.
  const maxBefore: bigint[] = [];
  let max = -(2n ** 62n);
  for (const p of packets) {
    maxBefore.push(max);
    if (p.pts > max) max = p.pts;
  }
  const minFrom: bigint[] = new Array<bigint>(packets.length);
  let min = 2n ** 62n;
  for (let i = packets.length - 1; i >= 0; i--) {
    if (packets[i]!.pts < min) min = packets[i]!.pts;
    minFrom[i] = min;
  }
  const starts = [0];
  let segStart = first.pts;
  let keys = 0;
  let refused = 0;
  for (let i = 1; i < packets.length; i++) {
    const p = packets[i]!;
    if (!p.key || sec(p.pts - segStart) < segmentSec || sec(lastPts - p.pts) < segmentSec / 2) continue;
    keys++;
    if (!p.entry || minFrom[i]! !== p.pts || maxBefore[i]! >= p.pts) {
      refused++;
      continue;
    }
    starts.push(i);
    segStart = p.pts;
  }
  if (starts.length >= 2) return { starts };
  if (keys === 0) return { notSplit: `no key frame to cut at (${segmentSec} s or more after the previous cut and before the last ${segmentSec / 2} s)`, expected: false };
  return {
    notSplit: `its ${refused} key frame(s) are open-GOP (not IDR, no exact recovery point, or frames after them shown before them): a segment starting there would not decode alone`,
    expected: false,
  };
}

async function writeSegments(input: string, dir: string, starts: readonly number[], log: Logger): Promise<VideoSegment[]> {
  const demuxer = openDemuxer(input);
  const stream = videoStreamOf(demuxer, input);
  const tb = stream.timeBase;
  const packet = new Packet();
  packet.alloc();
  const segments: VideoSegment[] = [];
  let muxer: Muxer | null = null;
  let out = 0;
  let tmp = '';
  let offset = 0n;
  let index = 0;
  let frames = 0;
  const close = async (): Promise<void> => {
    if (muxer === null) return;
    muxer.writePacketSync(null, out);
    muxer.closeSync();
    muxer = null;
    const seg = segments[segments.length - 1]!;
    await rename(tmp, seg.path);
    segments[segments.length - 1] = { ...seg, frames };
  };
  try {
    for (;;) {
      const ret = demuxer.getFormatContext().readFrameSync(packet);
      if (ret === AVERROR_EOF) break;
      if (ret < 0) throw new Error(`"${input}" could not be read again: ${describeAvError(ret)}`);
      try {
        if (packet.streamIndex !== stream.index) continue;
        if (index === starts[segments.length]) {
          await close();
          const path = join(dir, `seg-${String(segments.length).padStart(4, '0')}.mp4`);
          tmp = join(dir, `.seg-${String(segments.length).padStart(4, '0')}.partial.mp4`);
          offset = packet.pts;
          frames = 0;
          segments.push({ path, startPts: offset, startSec: (Number(offset) * tb.num) / tb.den, frames: 0 });
          const m = Muxer.openSync(tmp, { format: 'mp4' });
          muxer = m;
          out = m.addStream(stream);
          const outStream = m.streams[out];
          if (outStream) outStream.codecpar.codecTag = 0;
        }
        index++;
        packet.pts -= offset;
        if (packet.dts !== AV_NOPTS_VALUE) packet.dts -= offset;
        packet.timeBase = tb;
        frames++;
        (muxer as Muxer | null)?.writePacketSync(packet, out);
      } finally {
        packet.unref();
      }
    }
    await close();
    log.debug(`${input}: ${segments.length} segments at ${segments.map((s) => s.startSec.toFixed(2)).join(', ')} s`);
    return segments;
  } finally {
    packet.free();
    (muxer as Muxer | null)?.closeSync();
    demuxer.closeSync();
  }
}
