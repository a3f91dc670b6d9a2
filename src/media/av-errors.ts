/**
 * Turns node-av / FFmpeg failures into {@link F2dError}s that name the file.
 */
import { FFmpegError } from 'node-av';

/** FFmpeg's error number (negative), or `undefined` when `err` is not an FFmpeg error. */
export function ffmpegCode(err: unknown): number | undefined {
  return err instanceof FFmpegError ? err.code : undefined;
}

/** First line of an error's message, for one-line user messages. */
export function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/** FFmpeg's text for a negative error number. */
export function describeAvError(code: number): string {
  return FFmpegError.strerror(code);
}
