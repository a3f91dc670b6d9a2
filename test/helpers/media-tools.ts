/**
 * Test-side media tools built on the system `ffmpeg`/`ffprobe` (installed by
 * .ci/run), so checks of f2d's output do not go through f2d's own node-av code.
 */
import { execFileSync, spawnSync } from 'node:child_process';

function run(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed: run .ci/run or apt-get install ffmpeg`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** Runs the ffmpeg CLI quietly, overwriting outputs. */
export function ffmpeg(...args: string[]): void {
  run('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args]);
}

export interface ProbedStream {
  readonly index: number;
  readonly codec_type: string;
  readonly codec_name: string;
  readonly width?: number;
  readonly height?: number;
  readonly pix_fmt?: string;
  readonly nb_read_packets?: string;
  readonly side_data_list?: readonly { readonly side_data_type: string; readonly rotation?: number }[];
}

/** Streams with packet counts (`-count_packets`). */
export function probeStreams(path: string): ProbedStream[] {
  const out = run('ffprobe', ['-v', 'error', '-count_packets', '-show_streams', '-of', 'json', path]);
  return (JSON.parse(out) as { streams: ProbedStream[] }).streams;
}

/** Presentation times (s) of every decoded frame of the first video stream, in order. */
export function framePtsTimes(path: string): number[] {
  const out = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', path]);
  return out
    .split('\n')
    .map((l) => l.split(',')[0]?.trim() ?? '')
    .filter((l) => l !== '')
    .map(Number);
}

/** Decodes the whole file (or only the streams `map` selects, e.g. 'v'); throws if ffmpeg reports any error. */
export function decodesCleanly(path: string, map?: string): void {
  const select = map === undefined ? [] : ['-map', `0:${map}`];
  run('ffmpeg', ['-v', 'error', '-xerror', '-nostdin', '-i', path, ...select, '-f', 'null', '-']);
}

/** Container duration in seconds. */
export function durationSec(path: string): number {
  return Number(run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]).trim());
}

/** Mean luma PSNR (dB) of `b` against `a` over their common frames. */
export function psnrY(a: string, b: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'info', '-nostdin', '-i', a, '-i', b, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'], {
    encoding: 'utf8',
  });
  const m = /PSNR y:([0-9.]+|inf)/.exec(r.stderr);
  if (!m?.[1]) throw new Error(`no PSNR from ffmpeg for ${a} vs ${b}: ${r.stderr.slice(-500)}`);
  return m[1] === 'inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
}
