/**
 * Joins restored video segments (see `split-at-keyframes.ts`) into one file
 * with a stream copy, and adds the source's audio and other streams, its
 * container and stream metadata and its rotation: what `VideoWriter` would
 * have written from the source in one piece.
 *
 * Timestamps: each segment was cut with its timestamps shifted to start at 0;
 * its packets are shifted back by its `startPts` (source video time base), so
 * every frame keeps the source's presentation time. The decode times carry
 * over across the joins because every segment was encoded with the same
 * settings (the same B-frame delay).
 *
 * Parameter sets: MP4 and Matroska keep the H.264 SPS/PPS once per stream
 * (avcC), not per segment, so a stream copy join is valid only when every
 * segment's parameter sets are byte for byte those of the first (same encoder,
 * settings, size and frame rate). Otherwise the join fails with
 * ERR_JOIN_MISMATCH instead of writing a file that decodes wrongly.
 */
import { AV_CODEC_ID_NONE, AV_NOPTS_VALUE, AVERROR_EOF, AVMEDIA_TYPE_ATTACHMENT, Muxer, Packet, type Demuxer } from 'node-av';
import { F2dError, OutputError } from '../errors.js';
import type { Logger } from '../log.js';
import { reason } from './av-errors.js';
import { openDemuxer, videoStreamOf } from './open-input.js';

/** A restored segment and where its first frame belongs on the source's timeline. */
export interface RestoredSegment {
  readonly path: string;
  /** In the source's video time base (`SegmentSplit.timeBase`). */
  readonly startPts: bigint;
}

export interface JoinSummary {
  /** Video frames (packets) written. */
  readonly frames: number;
  /** Packets of the source's other streams copied. */
  readonly copiedPackets: number;
}

/** A packet source read in order, one packet ahead. */
interface Lane {
  readonly packet: Packet;
  /** Time of the packet held, seconds (decode time), or null at the end. */
  at: number | null;
}

const seconds = (ts: bigint, tb: { num: number; den: number }): number => (Number(ts) * tb.num) / tb.den;

/**
 * Writes `output` (its extension names the container) from `segments`, in order, and the
 * source's streams other than its video.
 *
 * @throws {F2dError} ERR_JOIN_MISMATCH (segments encoded differently), input errors of the
 *   files, ERR_OUTPUT_OPEN / ERR_OUTPUT_CONTAINER
 */
export function joinSegments(source: string, segments: readonly RestoredSegment[], output: string, log: Logger): JoinSummary {
  if (segments.length === 0) throw new F2dError('ERR_JOIN_MISMATCH', 'encode', `no segments to join for "${source}"`);
  checkSameParameters(segments);
  const src = openDemuxer(source);
  const opened: Demuxer[] = [];
  const packet = new Packet();
  packet.alloc();
  let muxer: Muxer | null = null;
  try {
    const srcVideo = videoStreamOf(src, source);
    try {
      muxer = Muxer.openSync(output, { input: src });
    } catch (cause) {
      throw new OutputError('ERR_OUTPUT_OPEN', `cannot create the output "${output}": ${reason(cause)}`, { cause });
    }
    const m = muxer;
    const first = openDemuxer(segments[0]!.path);
    opened.push(first);
    // The source's video stream gives the time base, metadata, disposition and frame rate of
    // the output stream; the restored segment gives the codec (H.264, its parameter sets).
    const videoOut = m.addStream(srcVideo);
    const outVideo = m.streams[videoOut]!;
    const restoredPar = videoStreamOf(first, segments[0]!.path).codecpar;
    const ret = restoredPar.copy(outVideo.codecpar);
    if (ret < 0) throw new Error(`cannot copy the codec parameters of "${segments[0]!.path}" (${ret})`);
    outVideo.codecpar.codecTag = 0;
    // Stream side data the segments lack (rotation, HDR) is taken from the source's stream.
    const have = new Set(outVideo.codecpar.getAllCodedSideData().map((sd) => sd.type));
    for (const sd of srcVideo.codecpar.getAllCodedSideData()) if (!have.has(sd.type)) outVideo.codecpar.addCodedSideData(sd.type, sd.data);
    const copyMap = new Map<number, number>();
    for (const s of src.streams) {
      if (s.index === srcVideo.index || s.codecpar.codecType === AVMEDIA_TYPE_ATTACHMENT || s.codecpar.codecId === AV_CODEC_ID_NONE) continue;
      const out = m.addStream(s);
      const o = m.streams[out];
      if (o) o.codecpar.codecTag = 0;
      copyMap.set(s.index, out);
    }

    const write = (p: Packet, out: number): void => {
      try {
        m.writePacketSync(p, out);
      } catch (cause) {
        throw new OutputError('ERR_OUTPUT_CONTAINER', `cannot write "${output}": ${reason(cause)}`, { cause });
      }
    };
    // The source's other streams, read in order.
    const other: Lane = { packet: new Packet(), at: null };
    other.packet.alloc();
    const advanceOther = (): void => {
      for (;;) {
        other.packet.unref();
        const r = src.getFormatContext().readFrameSync(other.packet);
        if (r < 0) {
          other.at = null;
          return;
        }
        const s = src.streams[other.packet.streamIndex];
        if (!s || !copyMap.has(s.index)) continue;
        other.packet.timeBase = s.timeBase;
        const ts = other.packet.dts !== AV_NOPTS_VALUE ? other.packet.dts : other.packet.pts;
        other.at = ts === AV_NOPTS_VALUE ? -Infinity : seconds(ts, s.timeBase);
        return;
      }
    };
    let copiedPackets = 0;
    const flushOtherUntil = (limit: number): void => {
      while (other.at !== null && other.at <= limit) {
        write(other.packet, copyMap.get(other.packet.streamIndex)!);
        copiedPackets++;
        advanceOther();
      }
    };
    advanceOther();

    const srcTb = { num: srcVideo.timeBase.num, den: srcVideo.timeBase.den };
    let frames = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const demuxer = i === 0 ? first : openDemuxer(seg.path);
      if (i > 0) opened.push(demuxer);
      const stream = videoStreamOf(demuxer, seg.path);
      const segTb = { num: stream.timeBase.num, den: stream.timeBase.den };
      let shift: bigint | null = null;
      for (;;) {
        const r = demuxer.getFormatContext().readFrameSync(packet);
        if (r === AVERROR_EOF) break;
        if (r < 0) throw new F2dError('ERR_JOIN_MISMATCH', 'encode', `restored segment "${seg.path}" cannot be read to its end`);
        try {
          if (packet.streamIndex !== stream.index) continue;
          packet.rescaleTs(segTb, srcTb);
          if (shift === null) {
            if (!packet.isKeyframe || packet.pts === AV_NOPTS_VALUE) {
              throw new F2dError('ERR_JOIN_MISMATCH', 'encode', `restored segment "${seg.path}" does not start with a key frame`);
            }
            shift = seg.startPts - packet.pts;
          }
          if (packet.pts !== AV_NOPTS_VALUE) packet.pts += shift;
          if (packet.dts !== AV_NOPTS_VALUE) packet.dts += shift;
          packet.timeBase = srcVideo.timeBase;
          packet.pos = -1n;
          flushOtherUntil(seconds(packet.dts !== AV_NOPTS_VALUE ? packet.dts : packet.pts, srcTb));
          write(packet, videoOut);
          frames++;
        } finally {
          packet.unref();
        }
      }
    }
    flushOtherUntil(Infinity);
    other.packet.free();
    for (const out of [videoOut, ...copyMap.values()]) m.writePacketSync(null, out);
    log.debug(`joined ${segments.length} segments into ${output}: ${frames} frames, ${copiedPackets} packets of other streams`);
    return { frames, copiedPackets };
  } finally {
    packet.free();
    muxer?.closeSync();
    for (const d of opened) d.closeSync();
    src.closeSync();
  }
}

/** Fails unless every segment's H.264 parameters (size, format, extradata) are the first one's. */
function checkSameParameters(segments: readonly RestoredSegment[]): void {
  let reference: { label: string; extradata: Buffer | null; path: string } | null = null;
  for (const seg of segments) {
    const demuxer = openDemuxer(seg.path);
    try {
      const par = videoStreamOf(demuxer, seg.path).codecpar;
      const label = `${par.codecId}/${par.width}x${par.height}/${par.format}`;
      const extradata = par.extradata;
      if (reference === null) {
        reference = { label, extradata, path: seg.path };
        continue;
      }
      const same = label === reference.label && (extradata === null ? reference.extradata === null : reference.extradata !== null && extradata.equals(reference.extradata));
      if (!same) {
        throw new F2dError(
          'ERR_JOIN_MISMATCH',
          'encode',
          `restored segment "${seg.path}" was encoded with other H.264 parameters than "${reference.path}" (${label} vs ${reference.label}, or other SPS/PPS): a stream copy cannot join them`,
          { hint: 'every worker must run the same f2d version with the same encode settings (encode.crf, encode.preset); add the file again to redo it' },
        );
      }
    } finally {
      demuxer.closeSync();
    }
  }
}
