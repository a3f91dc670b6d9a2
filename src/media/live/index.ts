/**
 * Live media, the family `f2d serve` uses: a source read one picture at a
 * time (RTSP, cameras, HLS, files), the low-latency H.264 encoder for the
 * viewers, the segmented MP4 recorder, the publisher to a media server, and
 * the H.264 helpers they share. Only async node-av calls are used here, so a
 * stalled network source never blocks the server; the file path
 * (`src/media/index.ts`) is separate because it reads and writes whole files
 * as fast as it can.
 */
export { LiveInput } from './input.js';
export type { LiveInputInfo, LiveInputOptions, LivePicture } from './input.js';
export { LiveH264Encoder } from './h264-encoder.js';
export type { EncodedPicture, LiveH264EncoderOptions } from './h264-encoder.js';
export { LiveRecorder } from './recorder.js';
export type { LiveRecorderOptions } from './recorder.js';
export { findSps, nalType, parseSps, splitNalUnits, NAL_IDR, NAL_PPS, NAL_SLICE, NAL_SPS } from './h264-bitstream.js';
export type { SpsInfo } from './h264-bitstream.js';
export { LivePublisher } from './publisher.js';
export type { LivePublisherEvents, LivePublisherOptions, PublisherStats } from './publisher.js';
export { backoffDelayMs, publishTarget, PUBLISH_SCHEMES } from './publish-target.js';
export type { Backoff, PublishTarget } from './publish-target.js';
