/**
 * Whether decoding can start at a key packet, from the bitstream itself.
 * Containers flag more than IDR pictures as key (sync samples): an MP4 from
 * x264 with `open-gop`, or from many hardware encoders, flags every I picture.
 * An H.264 I picture that is not IDR keeps the decoder's references, so a
 * frame after it may predict from one before it; decoding from it is exact
 * only when a recovery point SEI says so (`recovery_frame_cnt` 0, exact
 * match, no broken link: H.264 D.2.8), as x264 writes for its open GOPs.
 * HEVC says it in the NAL type: IDR, CRA and BLA pictures are random access
 * points (their leading pictures are caught by the caller's order check).
 * Other codecs (MPEG-2, VP9, AV1…) keep the container's flag: their key
 * frames do not reach behind themselves.
 */
import { AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, type AVCodecID } from 'node-av';
import { NAL_IDR, nalType, splitNalUnits } from './live/h264-bitstream.js';

const NAL_SEI = 6;
/** The SEI payload type of a recovery point. */
const SEI_RECOVERY_POINT = 6;

/** How to read a stream's packets: its codec and the NAL length size of AVCC/HVCC (`null`: Annex B start codes). */
export interface NalFormat {
  readonly codec: 'h264' | 'hevc' | 'other';
  readonly lengthSize: number | null;
}

/** The format of a stream's packets, from its codec id and extradata (avcC / hvcC or Annex B). */
export function nalFormatOf(codecId: AVCodecID, extradata: Buffer | null): NalFormat {
  const codec = codecId === AV_CODEC_ID_H264 ? 'h264' : codecId === AV_CODEC_ID_HEVC ? 'hevc' : 'other';
  if (codec === 'other' || extradata === null || extradata[0] !== 1) return { codec, lengthSize: null };
  // avcC: lengthSizeMinusOne in byte 4; hvcC: in byte 21 (ISO/IEC 14496-15).
  const at = codec === 'h264' ? 4 : 21;
  return { codec, lengthSize: extradata.length > at ? (extradata[at]! & 3) + 1 : null };
}

/** Whether a packet the container flags as key lets decoding start there (see the module's comment). */
export function isRandomAccessPoint(data: Buffer | null, format: NalFormat): boolean {
  if (format.codec === 'other') return true;
  if (data === null) return false;
  for (const nal of nalUnits(data, format.lengthSize)) {
    if (nal.length === 0) continue;
    if (format.codec === 'hevc') {
      const type = (nal[0]! >> 1) & 0x3f;
      // BLA 16–18, IDR 19–20, CRA 21.
      if (type >= 16 && type <= 21) return true;
      continue;
    }
    const type = nalType(nal);
    if (type === NAL_IDR) return true;
    if (type === NAL_SEI && exactRecoveryPoint(unescape(nal.subarray(1)))) return true;
  }
  return false;
}

/** The NAL units of a packet: length-prefixed (AVCC/HVCC), or between Annex B start codes. */
function nalUnits(data: Buffer, lengthSize: number | null): Uint8Array[] {
  if (lengthSize === null) return splitNalUnits(data);
  const units: Uint8Array[] = [];
  for (let at = 0; at + lengthSize <= data.length; ) {
    const size = data.readUIntBE(at, lengthSize);
    at += lengthSize;
    units.push(data.subarray(at, Math.min(data.length, at + size)));
    at += size;
  }
  return units;
}

/** The RBSP of a NAL payload: emulation prevention bytes (00 00 03) removed. */
function unescape(nal: Uint8Array): Buffer {
  const out = Buffer.alloc(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}

/** Whether an H.264 SEI RBSP holds a recovery point of 0 frames, exact match, no broken link. */
function exactRecoveryPoint(rbsp: Buffer): boolean {
  let at = 0;
  const varByte = (): number => {
    let value = 0;
    while (at < rbsp.length && rbsp[at] === 0xff) value += rbsp[at++]!;
    return at < rbsp.length ? value + rbsp[at++]! : -1;
  };
  // Messages until the RBSP trailing bits (0x80).
  while (at < rbsp.length && rbsp[at] !== 0x80) {
    const type = varByte();
    const size = varByte();
    if (type < 0 || size < 0 || at + size > rbsp.length) return false;
    // recovery_frame_cnt ue(v) = 0 is the single bit 1, then exact_match_flag 1, broken_link_flag 0.
    if (type === SEI_RECOVERY_POINT && size > 0 && (rbsp[at]! & 0xe0) === 0xc0) return true;
    at += size;
  }
  return false;
}
