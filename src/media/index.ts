/**
 * The media layer: the only module that imports node-av. Everything else
 * sees RGB24 frames ({@link RgbFrame}) and the small types exported here.
 */
export { VideoReader, StreamPacket } from './video-reader.js';
export type { DecodedFrame, InputDamage, ReadItem, Ratio, VideoInfo } from './video-reader.js';
export { VideoWriter } from './video-writer.js';
export type { VideoWriterOptions } from './video-writer.js';
export { readImage, writeImage, encodeImage } from './image-io.js';
export type { ImageWriteOptions } from './image-io.js';
export { assertInputFile } from './open-input.js';
export { cropResizeRgb } from './resize.js';
export type { PixelRect } from './resize.js';
export { imageFormatOf, imageExtensions, isVideoOutputName, videoOutputExtensions, IMAGE_FORMATS } from './formats.js';
export type { ImageFormat } from './formats.js';
export { setFfmpegLogLevel } from './log-level.js';
