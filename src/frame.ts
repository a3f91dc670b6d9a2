/**
 * The picture every layer passes around: decoders produce it, the model
 * restores it, encoders consume it. It sits at the bottom of the tree so that
 * media and model code share it without importing each other.
 */

/** One decoded picture: RGB24, rows packed (stride = width * 3), top row first. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes, R,G,B order. */
  readonly data: Uint8Array;
}
