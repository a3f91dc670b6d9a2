/**
 * Benchmark clips, made with the ffmpeg CLI from the natural street fixture
 * (640×480, 10 fps): centre-cropped to 16:9, scaled, and retimed so every
 * source picture becomes one output frame at the wanted rate (motion plays
 * faster, content stays natural), looped to the wanted length. Cached in
 * test/.tmp/bench (gitignored) by name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SOURCE_CLIP = 'test/fixtures/media/sample-street.mp4';
export const CLIP_DIR = join('test', '.tmp', 'bench');
/** Frames in {@link SOURCE_CLIP}. */
const SOURCE_FRAMES = 80;

export interface ClipSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: number;
}

/** Makes (or reuses) the clip and returns its path. */
export function benchClip(spec: ClipSpec): string {
  const { width, height, fps, frames } = spec;
  mkdirSync(CLIP_DIR, { recursive: true });
  const path = join(CLIP_DIR, `street-${width}x${height}-${fps}fps-${frames}f.mp4`);
  if (existsSync(path)) return path;
  const loops = Math.ceil(frames / SOURCE_FRAMES) - 1;
  const vf = `crop=iw:iw*9/16,scale=${width}:${height}:flags=bicubic,setsar=1,setpts=N/(${fps}*TB)`;
  const args = ['-v', 'error', '-nostdin', '-y', '-stream_loop', String(loops), '-i', SOURCE_CLIP, '-vf', vf, '-r', String(fps)];
  args.push('-frames:v', String(frames), '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-g', String(2 * fps));
  args.push('-pix_fmt', 'yuv420p', '-movflags', '+faststart', path);
  try {
    execFileSync('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the benchmark makes its clips with the ffmpeg CLI, which is not installed (apt-get install ffmpeg)');
    throw new Error(`ffmpeg could not make ${path}: ${e.stderr?.toString() ?? e.message}`);
  }
  return path;
}

/** The first frame of `path` as packed RGB24 (the model ceiling's input tensor). */
export function firstFrameRgb(path: string, width: number, height: number): Uint8Array {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: width * height * 3 + 1024,
  });
  if (out.length !== width * height * 3) throw new Error(`expected ${width * height * 3} bytes of RGB24 from ${path}, got ${out.length}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
