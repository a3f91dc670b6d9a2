/**
 * The media layer's face for files: video reader and writer, images, resizing.
 * `src/media/` is the only folder that imports node-av; everything else sees
 * RGB24 frames (`RgbFrame`, `src/frame.ts`) and the small types exported here.
 * The live family (input, low-latency encoder, recorder) is `./live/index.ts`.
 */
export { VideoReader, StreamPacket } from './video-reader.js';
export type { DecodedFrame, InputDamage, ReadItem, Ratio, SizeChange, VideoInfo } from './video-reader.js';
export { VideoWriter } from './video-writer.js';
export type { VideoWriterOptions } from './video-writer.js';
export { readImage, readImageWithAlpha, writeImage, encodeImage } from './image-io.js';
export type { DecodedImage, ImageWriteOptions } from './image-io.js';
export { formatKeepsAlpha } from './alpha.js';
export type { AlphaPlane } from './alpha.js';
export { assertInputFile } from './open-input.js';
export { cropResizeRgb } from './resize.js';
export type { PixelRect } from './resize.js';
export { imageFormatOf, imageExtensions, isVideoOutputName, videoOutputExtensions, IMAGE_FORMATS } from './formats.js';
export type { ImageFormat } from './formats.js';
export { setFfmpegLogLevel } from './log-level.js';
export { splitAtKeyframes, videoFrameCount, MIN_SEGMENTS_TO_SPLIT } from './split-at-keyframes.js';
export type { SegmentSplit, VideoSegment } from './split-at-keyframes.js';
export { joinSegments } from './join-segments.js';
export type { JoinSummary, RestoredSegment } from './join-segments.js';
export { ffmpegHardware } from './hw-accel.js';
export type { FfmpegHardware, HwCodec } from './hw-accel.js';
