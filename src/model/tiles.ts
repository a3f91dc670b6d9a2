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
