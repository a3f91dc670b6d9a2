/**
 * Just enough H.264 bitstream reading for the live stream: split Annex-B access
 * units into NAL units and read the SPS fields a WebCodecs viewer depends on
 * (the `avc1.PPCCLL` codec string, the size, and `max_num_reorder_frames`,
 * which must be 0 or the browser's decoder holds frames back).
 */

/** NAL unit types used here. */
export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SPS = 7;
export const NAL_PPS = 8;

/**
 * Splits Annex-B bytes on 3- and 4-byte start codes.
 *
 * @returns the NAL units without start codes (views into `data`).
 */
export function splitNalUnits(data: Uint8Array): Uint8Array[] {
  const starts: Array<{ at: number; len: number }> = [];
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0) {
      if (data[i + 2] === 1) {
        starts.push({ at: i, len: 3 });
        i += 2;
      } else if (data[i + 2] === 0 && data[i + 3] === 1) {
        starts.push({ at: i, len: 4 });
        i += 3;
      }
    }
  }
  const units: Uint8Array[] = [];
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k];
    if (s === undefined) continue;
    const end = starts[k + 1]?.at ?? data.length;
    const unit = data.subarray(s.at + s.len, end);
    if (unit.length > 0) units.push(unit);
  }
  return units;
}

/** The NAL unit type (low 5 bits of the first byte). */
export function nalType(unit: Uint8Array): number {
  return (unit[0] ?? 0) & 0x1f;
}

/** Fields of a sequence parameter set. */
export interface SpsInfo {
  readonly profileIdc: number;
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly width: number;
  readonly height: number;
  /** From the VUI bitstream restriction; `null` when the SPS does not say (decoders then assume a full DPB). */
  readonly maxNumReorderFrames: number | null;
  /** WebCodecs / RFC 6381 codec string, e.g. `avc1.42c01e`. */
  readonly codec: string;
}

class BitReader {
  #pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  bit(): number {
    const byte = this.bytes[this.#pos >> 3];
    if (byte === undefined) throw new RangeError('SPS ends early');
    const v = (byte >> (7 - (this.#pos & 7))) & 1;
    this.#pos++;
    return v;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      zeros++;
      if (zeros > 31) throw new RangeError('bad exp-Golomb code in SPS');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes emulation-prevention bytes (00 00 03 → 00 00). */
function unescapeRbsp(unit: Uint8Array): Uint8Array {
  const out = new Uint8Array(unit.length);
  let n = 0;
  let zeros = 0;
  for (const b of unit) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

function skipHrd(r: BitReader): void {
  const count = r.ue() + 1;
  r.bits(8);
  for (let i = 0; i < count; i++) {
    r.ue();
    r.ue();
    r.bit();
  }
  r.bits(20);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/**
 * Parses an SPS NAL unit (with its one-byte NAL header).
 *
 * @throws RangeError when the unit is not an SPS or is truncated.
 */
export function parseSps(unit: Uint8Array): SpsInfo {
  if (nalType(unit) !== NAL_SPS) throw new RangeError(`NAL type ${nalType(unit)} is not an SPS (7)`);
  const r = new BitReader(unescapeRbsp(unit.subarray(1)));
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  r.ue();
  let chromaFormat = 1;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.bit();
    r.ue();
    r.ue();
    r.bit();
    if (r.bit() === 1) {
      for (let i = 0; i < (chromaFormat === 3 ? 12 : 8); i++) if (r.bit() === 1) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue();
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue();
  r.bit();
  const widthMbs = r.ue() + 1;
  const heightUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (frameMbsOnly === 0) r.bit();
  r.bit();
  let crop = { l: 0, r: 0, t: 0, b: 0 };
  if (r.bit() === 1) crop = { l: r.ue(), r: r.ue(), t: r.ue(), b: r.ue() };
  const cropUnitX = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
  const cropUnitY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropUnitX * (crop.l + crop.r);
  const height = heightUnits * 16 * (2 - frameMbsOnly) - cropUnitY * (crop.t + crop.b);
  let maxNumReorderFrames: number | null = null;
  if (r.bit() === 1) {
    if (r.bit() === 1 && r.bits(8) === 255) r.bits(32);
    if (r.bit() === 1) r.bit();
    if (r.bit() === 1) {
      r.bits(4);
      if (r.bit() === 1) r.bits(24);
    }
    if (r.bit() === 1) {
      r.ue();
      r.ue();
    }
    if (r.bit() === 1) {
      r.bits(32);
      r.bits(32);
      r.bit();
    }
    const nalHrd = r.bit();
    if (nalHrd === 1) skipHrd(r);
    const vclHrd = r.bit();
    if (vclHrd === 1) skipHrd(r);
    if (nalHrd === 1 || vclHrd === 1) r.bit();
    r.bit();
    if (r.bit() === 1) {
      r.bit();
      r.ue();
      r.ue();
      r.ue();
      r.ue();
      maxNumReorderFrames = r.ue();
      r.ue();
    }
  }
  const hex = (v: number): string => v.toString(16).padStart(2, '0');
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    width,
    height,
    maxNumReorderFrames,
    codec: `avc1.${hex(profileIdc)}${hex(constraintFlags)}${hex(levelIdc)}`,
  };
}

/**
 * Finds and parses the SPS in an access unit.
 *
 * @returns the SPS fields, or `null` when the unit carries no SPS.
 */
export function findSps(accessUnit: Uint8Array): SpsInfo | null {
  for (const unit of splitNalUnits(accessUnit)) if (nalType(unit) === NAL_SPS) return parseSps(unit);
  return null;
}

/**
 * A key frame's SPS and PPS, Annex-B (start codes), as a muxer's extradata
 * (MP4 and FLV turn it into avcC themselves; RTSP puts it in the SDP).
 */
export function h264Extradata(keyFrame: Uint8Array): Buffer {
  const headers = splitNalUnits(keyFrame).filter((u) => nalType(u) === NAL_SPS || nalType(u) === NAL_PPS);
  return Buffer.concat(headers.flatMap((u) => [Buffer.from([0, 0, 0, 1]), Buffer.from(u)]));
}
