/**
 * Cuts a video's stream, without decoding it, into segment files of about
 * `segmentSec` seconds that start at key frames, for restoration in parallel
 * (`f2d queue`). Only the video stream goes into the segments: the join takes
 * the audio and other streams from the source itself (`join-segments.ts`).
 *
 * GOP-aligned means: every frame is in exactly one segment and decodes from
 * that segment alone. A cut is made only before a key packet after which no
 * frame shows earlier than it, and before which no frame shows later (closed
 * GOPs, x264's default); a stream with open GOPs, or without timestamps, is not
 * split at all (`null`), and is restored whole.
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
  readonly key: boolean;
}

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
  let starts: number[] | null;
  let timeBase: Ratio;
  // First pass, packets only: where the cuts go. The second pass (writeSegments) reopens the
  // file rather than seeking back, which is not exact in every container.
  const demuxer = openDemuxer(input);
  try {
    const stream = videoStreamOf(demuxer, input);
    timeBase = { num: stream.timeBase.num, den: stream.timeBase.den };
    const packets = scanVideo(demuxer, stream);
    starts = packets === null ? null : cutPoints(packets, timeBase, segmentSec);
    if (starts === null) log.debug(`${input}: not split (${packets === null ? 'unreadable or untimed packets' : 'short, or open GOPs'})`);
  } finally {
    demuxer.closeSync();
  }
  if (starts === null) return null;
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

/** Timestamps and key flags of the video packets in decode order, or `null` if any lacks a pts or the file cannot be read to its end. */
function scanVideo(demuxer: Demuxer, stream: Stream): PacketTimes[] | null {
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
        out.push({ pts: packet.pts, key: packet.isKeyframe });
      } finally {
        packet.unref();
      }
    }
  } finally {
    packet.free();
  }
}

/**
 * Indices (decode order) of the packets that start segments, the first being 0; `null`
 * when the file makes fewer than two clean segments.
 */
export function cutPoints(packets: readonly PacketTimes[], tb: Ratio, segmentSec: number): number[] | null {
  const first = packets[0];
  if (first === undefined || !first.key) return null;
  const sec = (ts: bigint): number => (Number(ts) * tb.num) / tb.den;
  let lastPts = first.pts;
  for (const p of packets) if (p.pts > lastPts) lastPts = p.pts;
  if (sec(lastPts - first.pts) < MIN_SEGMENTS_TO_SPLIT * segmentSec) return null;
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
  for (let i = 1; i < packets.length; i++) {
    const p = packets[i]!;
    if (!p.key || sec(p.pts - segStart) < segmentSec || sec(lastPts - p.pts) < segmentSec / 2) continue;
    if (minFrom[i]! !== p.pts || maxBefore[i]! >= p.pts) continue;
    starts.push(i);
    segStart = p.pts;
  }
  return starts.length >= 2 ? starts : null;
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
