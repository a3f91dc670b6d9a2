/**
 * The product, end to end: `f2d restore` as a child process (the CLI users
 * run), its `--json` summary for fps and per-stage times, and its peak
 * resident memory (main and worker threads together) from `/usr/bin/time -v`;
 * without that tool the memory column says it is unavailable.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

export interface RestoreRunSettings {
  readonly clip: string;
  readonly out: string;
  readonly modelDir: string;
  readonly provider: string;
  readonly threads: number;
  readonly parserInterval: number;
  readonly tileSize: number;
  /** `model.streams` (0 = automatic); absent = the product's default. */
  readonly streams?: number;
  /** `model.ensemble`, views per frame; absent = the product's default (`auto`: 2 for a video file). */
  readonly ensemble?: number;
  /** How the CLI is started: TypeScript sources through tsx, or the compiled dist/. */
  readonly cli: 'tsx' | 'dist';
  /** Extra environment for the child (e.g. UV_THREADPOOL_SIZE). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RestoreRun {
  readonly frames: number;
  /** Frames ÷ the whole run (start-up included), as the CLI reports it. */
  readonly fps: number;
  /** Start to the first restored frame reaching the encoder (input, encoder, model load, first inference). */
  readonly startupSec: number;
  /** Frames after the first ÷ the time after it: the rate a long video runs at. */
  readonly steadyFps: number;
  /** Milliseconds per frame by stage (from the summary's totals). */
  readonly stageMsPerFrame: Record<string, number>;
  readonly peakRssMiB: number;
  readonly rssSource: string;
  /**
   * CPU time (user + system, all threads) per frame, whole process including start-up and model load.
   * Less sensitive than wall time to other work on the machine: it counts what this run cost, not how long it waited.
   */
  readonly cpuMsPerFrame: number;
}

const TIME = '/usr/bin/time';

/** Runs one restore and parses what it reports. */
export async function restoreRun(s: RestoreRunSettings): Promise<RestoreRun> {
  const entry = s.cli === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  if (s.cli === 'dist' && !existsSync('dist/cli/main.js')) throw new Error('--cli dist needs a build: run npm run build first');
  const args = [
    ...entry, 'restore', s.clip, '-o', s.out, '--model', s.modelDir, '--provider', s.provider,
    '--threads', String(s.threads), '--parser-interval', String(s.parserInterval), '--set', `model.tileSize=${s.tileSize}`,
    ...(s.streams === undefined ? [] : ['--set', `model.streams=${s.streams}`]),
    ...(s.ensemble === undefined ? [] : ['--ensemble', String(s.ensemble)]),
    '--overwrite', '--json', '--progress', 'off', '--log-level', 'error',
  ];
  const useTime = existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-v', process.execPath, ...args]] : [process.execPath, args];
  const { code, stdout, stderr } = await run(cmd, argv, { ...process.env, ...s.env });
  rmSync(s.out, { force: true });
  if (code !== 0) throw new Error(`f2d restore exited with ${code}:\n${stderr.slice(-2000)}`);
  const summary = JSON.parse(stdout) as { frames: number; fps: number; startupSec: number; steadyFps: number; stages: Record<string, number> };
  const stageMsPerFrame = Object.fromEntries(Object.entries(summary.stages).map(([k, v]) => [k, v / summary.frames]));
  let peakRssMiB = NaN;
  let cpuMsPerFrame = NaN;
  let rssSource = 'unavailable (no /usr/bin/time)';
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    if (m) {
      peakRssMiB = Number(m[1]) / 1024;
      rssSource = '/usr/bin/time -v';
    }
    const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
    if (user && sys) cpuMsPerFrame = ((Number(user[1]) + Number(sys[1])) * 1000) / summary.frames;
  }
  return { frames: summary.frames, fps: summary.fps, startupSec: summary.startupSec, steadyFps: summary.steadyFps, stageMsPerFrame, peakRssMiB, rssSource, cpuMsPerFrame };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
