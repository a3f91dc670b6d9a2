/**
 * Why an MP4/MOV file that FFmpeg refuses to open cannot be read, when the
 * reason is the usual one: its index (the `moov` box) is missing, because the
 * recording or the copy stopped before it was written (MP4 writers put it at
 * the end). FFmpeg only logs "moov atom not found" and fails with "invalid
 * data", which would read as "not a media file". Reads only box headers.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Top-level box types of MP4 and QuickTime files (ISO/IEC 14496-12, QTFF). */
const TOP_LEVEL = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pdin', 'uuid', 'moof', 'mfra', 'styp', 'sidx', 'meta']);

/**
 * A sentence saying how the file is truncated or damaged, when it is an MP4/MOV
 * (its first box is one) without a `moov` box; `null` otherwise (not such a file,
 * or the index is there and the trouble is something else).
 */
export function missingMp4Index(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(16);
    let boxes = 0;
    for (let at = 0; at + 8 <= size; ) {
      readSync(fd, header, 0, 16, at);
      const type = header.toString('latin1', 4, 8);
      if (!TOP_LEVEL.has(type)) return boxes === 0 ? null : `it is damaged after byte ${at} (no box header there) and has no index (moov atom not found)`;
      if (type === 'moov') return null;
      const small = header.readUInt32BE(0);
      const length = small === 1 ? Number(header.readBigUInt64BE(8)) : small === 0 ? size - at : small;
      if (length < 8) return `it is damaged at byte ${at} (a box of ${length} bytes) and has no index (moov atom not found)`;
      if (at + length > size) {
        return `it ends inside its ${type} box (${size - at} of its ${length} bytes present) and has no index (moov atom not found): it was cut off`;
      }
      at += length;
      boxes++;
    }
    return boxes === 0 ? null : 'it has no index (moov atom not found): the file is incomplete';
  } finally {
    closeSync(fd);
  }
}
