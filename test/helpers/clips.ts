/**
 * Small clips generated for the tests with the ffmpeg CLI (nothing large is committed).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpeg } from './media-tools.js';

/** `test/.tmp/<name>` (gitignored), created fresh. */
export function tmpDir(name: string): string {
  const dir = join('test', '.tmp', `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface ClipOptions {
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly seconds?: number;
  /** Add a sine audio track (AAC). */
  readonly audio?: boolean;
  /** Extra output options, e.g. ['-metadata:s:v', 'rotate=90']. */
  readonly extra?: readonly string[];
  /** Keyframe interval in frames. */
  readonly gop?: number;
}

/** A test pattern clip (H.264 yuv420p) at `path`; the container follows the extension. */
export function makeClip(path: string, o: ClipOptions = {}): string {
  const { width = 160, height = 120, fps = 25, seconds = 2, audio = false, gop = 25 } = o;
  const args = ['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-pix_fmt', 'yuv420p');
  if (audio) args.push('-c:a', 'aac', '-shortest');
  if (path.endsWith('.mp4')) args.push('-movflags', '+faststart');
  args.push(...(o.extra ?? []), path);
  ffmpeg(...args);
  return path;
}

/**
 * A variable-frame-rate clip: frames 0–19 every 1/30 s, then every 0.1 s
 * (Matroska, millisecond timestamps).
 */
export function makeVfrClip(path: string): string {
  ffmpeg(
    '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-t', '2',
    '-vf', "setpts='if(lt(N,20),N*1000,20000+(N-20)*3000)/30000/TB'",
    '-fps_mode', 'passthrough', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path,
  );
  return path;
}

/** Overwrites `length` bytes in the middle of a copy of `src` with pseudo-random bytes. */
export function corruptMiddle(src: string, dst: string, length: number): string {
  const data = readFileSync(src);
  let seed = 12345;
  const start = Math.floor(data.length / 2);
  for (let i = start; i < Math.min(data.length, start + length); i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  writeFileSync(dst, data);
  return dst;
}

/** A copy of `src` cut to `fraction` of its size. */
export function truncateCopy(src: string, dst: string, fraction: number): string {
  const data = readFileSync(src);
  writeFileSync(dst, data.subarray(0, Math.floor(data.length * fraction)));
  return dst;
}

/** An AVI whose video FourCC no FFmpeg decoder knows (FFV1 relabelled ZZZZ). */
export function makeUnknownCodecClip(path: string): string {
  const tmp = `${path}.ffv1.avi`;
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-t', '1', '-c:v', 'ffv1', tmp);
  const data = readFileSync(tmp);
  const from = Buffer.from('FFV1');
  for (let i = data.indexOf(from); i >= 0; i = data.indexOf(from, i + 4)) Buffer.from('ZZZZ').copy(data, i);
  writeFileSync(path, data);
  return path;
}
