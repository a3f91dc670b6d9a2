/**
 * `f2d` as child processes, for tests of what only separate processes show:
 * queue workers that are killed, exit codes, output of a finished command.
 * Run through tsx from the sources, so no build is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpDir } from './clips.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { requires } from './requires.js';

const MAIN = join('src', 'cli', 'main.ts');

export interface F2dRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one f2d command to its end. */
export function runF2d(args: readonly string[]): Promise<F2dRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves with the worker's name and, with `--metrics-port`, its metrics URL once it waits for jobs. */
  readonly ready: Promise<{ name: string; metricsUrl: string | null }>;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  readonly output: () => string;
}

/** Starts `f2d worker --redis <url> <args>` and watches for its "waiting for jobs" line. */
export function startWorker(redisUrl: string, args: readonly string[]): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', '--redis', redisUrl, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<{ name: string; metricsUrl: string | null }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /f2d worker (\S+): waiting for jobs(?:, metrics on (\S+))?/.exec(out);
      if (m) resolve({ name: m[1]!, metricsUrl: m[2] ?? null });
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  return { child, ready, output: () => out };
}

/** What a queue test's `describe` block works with (see {@link queueTestBed}). */
export interface QueueTestBed {
  /** The redis-server's URL (from `before` on). */
  readonly redisUrl: string;
  /** An absolute work folder, as the queue stores its paths (from `before` on). */
  readonly dir: string;
  /** Workers the tests start: any still running are killed after the block. */
  readonly workers: WorkerProcess[];
}

/**
 * Registers, in the calling `describe` block, a `before` that starts a real
 * redis-server (skipped with the package's name when it is not installed) and
 * makes the work folder `test/.tmp/<name>`, and an `after` that kills the
 * workers left running, stops Redis and removes the folder.
 */
export function queueTestBed(name: string): QueueTestBed {
  let redis: RedisServer | undefined;
  let dir = '';
  const workers: WorkerProcess[] = [];
  before(async function () {
    requires(this, 'redis-server');
    redis = await startRedisServer();
    dir = resolve(tmpDir(name));
  });
  after(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get redisUrl() {
      if (redis === undefined) throw new Error('queueTestBed: Redis starts in before()');
      return redis.url;
    },
    get dir() {
      return dir;
    },
    workers,
  };
}
