/**
 * Tiling with overlap for frames too large to restore in one run.
 *
 * As in vs-mlrt, a tile's size includes its overlap and the overlapping
 * border is thrown away rather than blended: each output pixel comes from
 * the one tile in which it lies at least `overlap` pixels from any inner tile
 * edge, so a network whose receptive field is within `overlap` gives the
 * same result tiled as whole. Tile origins are multiples of the model's size
 * multiple, so the parser maps (computed once for the whole frame) crop
 * exactly at 1/mapsScale.
 */
import { cropInterleaved, cropPlanar, pasteInterleaved } from './tensor.js';

/** One window along an axis: read `[start, start+size)`, keep `[keepStart, keepEnd)`. */
export interface AxisWindow {
  readonly start: number;
  readonly size: number;
  readonly keepStart: number;
  readonly keepEnd: number;
}

/** One 2-D tile: the window to read and the part of it to keep (frame coordinates). */
export interface Tile {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly keepX: number;
  readonly keepY: number;
  readonly keepWidth: number;
  readonly keepHeight: number;
}

/**
 * Splits `[0, length)` into windows of `tile` (clamped to `length`) that
 * start at multiples of `multiple` and overlap by at least `2 * overlap`.
 *
 * @param length - padded frame size along the axis (a multiple of `multiple`).
 * @param tile - window size, a multiple of `multiple`.
 * @param overlap - pixels discarded at each inner window edge.
 * @throws {RangeError} when `tile` leaves no room past the overlaps.
 */
export function planAxis(length: number, tile: number, overlap: number, multiple: number): AxisWindow[] {
  if (length % multiple !== 0 || tile % multiple !== 0 || tile <= 0) {
    throw new RangeError(`planAxis: length ${length} and tile ${tile} must be positive multiples of ${multiple}`);
  }
  if (tile >= length) return [{ start: 0, size: length, keepStart: 0, keepEnd: length }];
  const step = Math.floor((tile - 2 * overlap) / multiple) * multiple;
  if (step <= 0) {
    throw new RangeError(
      `tile size ${tile} leaves no room for an overlap of ${overlap} on both sides (needs tile >= 2*overlap + ${multiple})`,
    );
  }
  const starts: number[] = [];
  for (let s = 0; ; s += step) {
    const start = Math.min(s, length - tile);
    starts.push(start);
    if (start + tile >= length) break;
  }
  const windows: AxisWindow[] = [];
  let keepStart = 0;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const next = starts[i + 1];
    // Cut in the middle of the overlap with the next window: both sides keep >= overlap of margin.
    const keepEnd = next === undefined ? length : next + Math.floor((start + tile - next) / 2);
    windows.push({ start, size: tile, keepStart, keepEnd });
    keepStart = keepEnd;
  }
  return windows;
}

/**
 * The tiles covering a `width` x `height` (padded) frame. A `tileSize` of 0,
 * or one at least as large as both sides, gives a single tile.
 */
export function planTiles(width: number, height: number, tileSize: number, overlap: number, multiple: number): Tile[] {
  const tile = tileSize > 0 ? Math.max(multiple, Math.floor(tileSize / multiple) * multiple) : Math.max(width, height);
  const xs = planAxis(width, Math.min(tile, width), overlap, multiple);
  const ys = planAxis(height, Math.min(tile, height), overlap, multiple);
  const tiles: Tile[] = [];
  for (const ty of ys) {
    for (const tx of xs) {
      tiles.push({
        x: tx.start,
        y: ty.start,
        width: tx.size,
        height: ty.size,
        keepX: tx.keepStart,
        keepY: ty.keepStart,
        keepWidth: tx.keepEnd - tx.keepStart,
        keepHeight: ty.keepEnd - ty.keepStart,
      });
    }
  }
  return tiles;
}

/** Runs the restorer on one tile: `image` is `width * height * 3` RGB24, `maps` is planar `[4, height/s, width/s]`. */
export type TileRunner = (image: Uint8Array, width: number, height: number, maps: Float32Array) => Promise<Uint8Array>;

/** Inputs of {@link restoreTiled}. */
export interface TiledFrame {
  /** The padded frame, `paddedW * paddedH * 3` RGB24. */
  readonly image: Uint8Array;
  readonly paddedW: number;
  readonly paddedH: number;
  /** The size of the output (the unpadded frame). */
  readonly width: number;
  readonly height: number;
  /** Whole-frame parser maps, planar `[channels, paddedH/mapsScale, paddedW/mapsScale]`. */
  readonly maps: Float32Array;
  readonly mapsChannels: number;
  readonly mapsScale: number;
}

/**
 * Restores a padded frame tile by tile and stitches the kept parts into a
 * `width * height * 3` output. Each tile gets its crop of the whole-frame
 * maps; the tile buffers are reused across tiles (every tile has one size).
 */
export async function restoreTiled(frame: TiledFrame, tiles: readonly Tile[], run: TileRunner): Promise<Uint8Array> {
  const { image, paddedW, paddedH, width, height, maps, mapsChannels: c, mapsScale: s } = frame;
  const out = new Uint8Array(width * height * 3);
  let tileImg = new Uint8Array(0);
  let tileMaps = new Float32Array(0);
  for (const t of tiles) {
    if (tileImg.length !== t.width * t.height * 3) tileImg = new Uint8Array(t.width * t.height * 3);
    const tmw = t.width / s;
    const tmh = t.height / s;
    if (tileMaps.length !== c * tmw * tmh) tileMaps = new Float32Array(c * tmw * tmh);
    cropInterleaved(image, paddedW, paddedH, 3, t.x, t.y, t.width, t.height, tileImg);
    cropPlanar(maps, c, paddedW / s, paddedH / s, t.x / s, t.y / s, tmw, tmh, tileMaps);
    const restored = await run(tileImg, t.width, t.height, tileMaps);
    // Keep the tile's interior, clipped to the unpadded frame.
    const kw = Math.min(t.keepX + t.keepWidth, width) - t.keepX;
    const kh = Math.min(t.keepY + t.keepHeight, height) - t.keepY;
    if (kw > 0 && kh > 0) pasteInterleaved(restored, t.width, 3, t.keepX - t.x, t.keepY - t.y, kw, kh, out, width, t.keepX, t.keepY);
  }
  return out;
}
