/**
 * The distributed queue's benchmark (issue 12): `f2d queue add --wait` of one
 * long clip with 1, 2 and 3 local `f2d worker` processes on a real
 * redis-server, and `f2d restore` of the same clip in one process for
 * comparison. Not a test: it measures and reports.
 *
 *   node --import tsx test/bench/queue.ts [--seconds 120] [--size 640x360] [--fps 25]
 *        [--workers 1,2,3] [--segment-sec 20] [--model models/f2d-lite] [--cli dist|tsx]
 *        [--out test/bench/results] [--note "machine shared with …"]
 *
 * Per run: wall time of `queue add --wait` (adding, split, segments, join), frames/s, the
 * split's and the join's cost (from the worker's log lines, timed as they arrive), the
 * segments, and what each segment costs beyond its frames: the hand-off (a worker picking
 * the next job up) and the segment's start-up on the warm model, beside the cold start of a
 * worker (spawn to "waiting for jobs": the model's loading) and of `f2d restore`. From the
 * one-worker run it derives what N machines would give. Writes `<out>/queue.json` and
 * `<out>/queue.md`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, type Job } from 'bullmq';
import { RESTORE_JOB, SEGMENT_JOB, type RestoreJobData, type RestoreJobResult } from '../../src/queue/job-data.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { benchClip, CLIP_DIR } from './clips.js';
import { loadAverage, machineInfo, type MachineInfo } from './machine.js';
import { median, round } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    size: { type: 'string', default: '640x360' },
    fps: { type: 'string', default: '25' },
    workers: { type: 'string', default: '1,2,3' },
    'segment-sec': { type: 'string', default: '20' },
    model: { type: 'string', default: join('models', 'f2d-lite') },
    cli: { type: 'string', default: 'dist' },
    out: { type: 'string', default: join('test', 'bench', 'results') },
    note: { type: 'string', default: '' },
  },
});

const [width, height] = values.size.split('x').map(Number) as [number, number];
const fps = Number(values.fps);
const clipSec = Number(values.seconds);
const segmentSec = Number(values['segment-sec']);
const workerCounts = values.workers.split(',').map(Number);
const entry = values.cli === 'dist' ? [resolve('dist/cli/main.js')] : ['--import', 'tsx', resolve('src/cli/main.ts')];
if (values.cli === 'dist' && !existsSync('dist/cli/main.js')) throw new Error('--cli dist needs a build: run npm run build first');

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const seconds = (ms: number): number => ms / 1000;

/** One line a child printed, with when it arrived. */
interface TimedLine {
  readonly at: number;
  readonly text: string;
}

interface Child {
  readonly child: ChildProcess;
  readonly lines: TimedLine[];
  readonly exited: Promise<number | null>;
}

function startF2d(args: readonly string[]): Child {
  const child = spawn(process.execPath, [...entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: TimedLine[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (d: Buffer) => {
      const at = Date.now();
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) lines.push({ at, text });
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function waitForLine(c: Child, pattern: RegExp, what: string): Promise<TimedLine> {
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const hit = c.lines.find((l) => pattern.test(l.text));
    if (hit) return hit;
    if (c.child.exitCode !== null) break;
  }
  throw new Error(`${what}: no line matching ${pattern}:\n${c.lines.map((l) => l.text).join('\n')}`);
}

interface RestoreResult {
  readonly wallSec: number;
  readonly frames: number;
  readonly fps: number;
  /** Start to the first restored frame: input, encoder, the model's loading, the first inference. */
  readonly startupSec: number;
  readonly steadyFps: number;
  readonly loadAvg: number;
}

interface QueueRun {
  readonly workers: number;
  readonly wallSec: number;
  readonly frames: number;
  readonly fps: number;
  readonly segments: number;
  readonly splitSec: number;
  readonly joinSec: number;
  /** Spawn to "waiting for jobs", median over the workers: process start and the model's loading. */
  readonly workerColdStartSec: number;
  /**
   * A segment's start to its first restored frame (input, encoder, first inference), median: of
   * each worker's first segment (the model's first run in that process), and of the later ones
   * (the model warm); `null` when no worker ran a second segment.
   */
  readonly firstSegmentStartupSec: number;
  readonly warmSegmentStartupSec: number | null;
  /** Per segment, median and worst: from the job being ready (added, or its worker free) to a worker taking it. */
  readonly pickupMs: number;
  readonly pickupMaxMs: number;
  /** Frames of the segments ÷ the time workers spent in them: the rate of one worker, per-segment costs included. */
  readonly segmentFpsPerWorker: number;
  readonly loadAvg: number;
}

async function restoreOnce(clip: string, out: string): Promise<RestoreResult> {
  const loadAvg = loadAverage()[0]!;
  const t0 = Date.now();
  const c = startF2d(['restore', clip, '-o', out, '--model', values.model, '--overwrite', '--json', '--progress', 'off', '--log-level', 'error']);
  const code = await c.exited;
  const wallSec = seconds(Date.now() - t0);
  if (code !== 0) throw new Error(`f2d restore exited with ${code}:\n${c.lines.map((l) => l.text).join('\n')}`);
  const json = c.lines.map((l) => l.text).join('\n');
  const summary = JSON.parse(json.slice(json.indexOf('{'))) as { frames: number; fps: number; startupSec: number; steadyFps: number };
  rmSync(out, { force: true });
  return { wallSec, frames: summary.frames, fps: summary.fps, startupSec: summary.startupSec, steadyFps: summary.steadyFps, loadAvg };
}

async function queueOnce(clip: string, redisUrl: string, n: number): Promise<QueueRun> {
  const name = `f2d-bench-${n}w-${Date.now()}`;
  const settings = ['--redis', redisUrl, '--set', `queue.name=${name}`, '--set', `queue.segmentSec=${segmentSec}`];
  const outDir = resolve(CLIP_DIR, `queue-out-${n}`);
  rmSync(outDir, { recursive: true, force: true });
  const spawned = Date.now();
  const workers = Array.from({ length: n }, () => startF2d(['worker', '--model', values.model, ...settings]));
  try {
    const ready = await Promise.all(workers.map((w, i) => waitForLine(w, /waiting for jobs/, `worker ${i + 1}`)));
    const loadAvg = loadAverage()[0]!;
    const t0 = Date.now();
    const add = startF2d(['queue', 'add', resolve(clip), '-o', outDir, ...settings, '--wait']);
    const code = await add.exited;
    const wallSec = seconds(Date.now() - t0);
    if (code !== 0) throw new Error(`f2d queue add --wait exited with ${code}:\n${add.lines.map((l) => l.text).join('\n')}`);

    const queue = new Queue<RestoreJobData, RestoreJobResult>(name, { connection: { url: redisUrl } });
    let jobs: Job<RestoreJobData, RestoreJobResult>[];
    try {
      jobs = await queue.getJobs(['completed']);
    } finally {
      await queue.close();
    }
    const file = jobs.find((j) => j.name === RESTORE_JOB);
    const segments = jobs.filter((j) => j.name === SEGMENT_JOB);
    if (file === undefined || segments.length === 0) throw new Error(`expected a file job and its segments, got ${jobs.map((j) => j.name).join(', ')}`);
    const lines = workers.flatMap((w) => w.lines).sort((a, b) => a.at - b.at);
    const fileRuns = lines.filter((l) => l.text.startsWith(`job ${file.id}: `) && l.text.includes(' -> '));
    const cut = lines.find((l) => /: \d+ segments of about /.test(l.text));
    const joined = lines.find((l) => /: joined \d+ segments/.test(l.text));
    if (fileRuns.length < 2 || cut === undefined || joined === undefined) throw new Error(`the workers' log lacks the split or the join:\n${lines.map((l) => l.text).join('\n')}`);

    // Pick-up: an idle worker waits for the job to be added; a busy one takes it when free.
    const pickups: number[] = [];
    const firstStartups: number[] = [];
    const warmStartups: number[] = [];
    const byWorker = new Map<string, Job<RestoreJobData, RestoreJobResult>[]>();
    for (const s of segments) byWorker.set(s.processedBy ?? '?', [...(byWorker.get(s.processedBy ?? '?') ?? []), s]);
    for (const list of byWorker.values()) {
      list.sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
      list.forEach((s, i) => {
        pickups.push((s.processedOn ?? 0) - Math.max(s.timestamp, i === 0 ? 0 : (list[i - 1]!.finishedOn ?? 0)));
        (i === 0 ? firstStartups : warmStartups).push(s.returnvalue.startupSec ?? NaN);
      });
    }
    const segFrames = segments.reduce((sum, s) => sum + s.returnvalue.frames, 0);
    const segBusySec = segments.reduce((sum, s) => sum + seconds((s.finishedOn ?? 0) - (s.processedOn ?? 0)), 0);
    return {
      workers: n,
      wallSec: round(wallSec, 2),
      frames: file.returnvalue.frames,
      fps: round(file.returnvalue.frames / wallSec, 2),
      segments: segments.length,
      splitSec: round(seconds(cut.at - fileRuns[0]!.at), 2),
      joinSec: round(seconds(joined.at - fileRuns.at(-1)!.at), 2),
      workerColdStartSec: round(seconds(median(ready.map((r) => r.at - spawned))), 2),
      firstSegmentStartupSec: round(median(firstStartups), 2),
      warmSegmentStartupSec: warmStartups.length === 0 ? null : round(median(warmStartups), 2),
      pickupMs: round(median(pickups), 0),
      pickupMaxMs: round(Math.max(...pickups), 0),
      segmentFpsPerWorker: round(segFrames / segBusySec, 2),
      loadAvg,
    };
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        if (w.child.exitCode === null) w.child.kill('SIGINT');
        await w.exited;
      }),
    );
    rmSync(outDir, { recursive: true, force: true });
  }
}

interface Sizing {
  readonly machines: number;
  readonly hourSec: number;
  readonly fps: number;
}

interface Results {
  readonly machine: MachineInfo;
  readonly note: string;
  readonly settings: { readonly clip: string; readonly size: string; readonly fps: number; readonly seconds: number; readonly segmentSec: number; readonly model: string; readonly cli: string };
  readonly restore: RestoreResult;
  readonly queue: readonly QueueRun[];
  /** One hour of this video on N machines like this one, one worker each (see the markdown for the assumptions). */
  readonly sizing: readonly Sizing[];
}

/**
 * An hour of video on N machines: the cut and the join run once (one worker each, scaled from
 * this clip by length), the segments in parallel at the one-worker rate measured here, per-segment
 * costs included.
 */
function sizing(one: QueueRun): Sizing[] {
  const hourFrames = 3600 * fps;
  const perMinute = (sec: number): number => sec / (clipSec / 60);
  return [1, 2, 4, 8, 16].map((machines) => {
    const hourSec = perMinute(one.splitSec) * 60 + hourFrames / (machines * one.segmentFpsPerWorker) + perMinute(one.joinSec) * 60;
    return { machines, hourSec: round(hourSec, 0), fps: round(hourFrames / hourSec, 1) };
  });
}

function renderMarkdown(r: Results): string {
  const m = r.machine;
  const one = r.queue.find((q) => q.workers === 1);
  const lines = [
    '# f2d queue benchmark (`test/bench/queue.ts`)',
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; load average at start ${m.loadAvgStart.join(' / ')} (1/5/15 min), niceness ${m.niceness}. Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, node-av ${m.nodeAv}; commit ${m.gitCommit}${m.gitDirty ? ' (with uncommitted changes)' : ''}; ${m.startedAt}.`,
    ...(r.note === '' ? [] : ['', `**${r.note}**`]),
    '',
    `Clip: ${r.settings.size}, ${r.settings.fps} fps, ${r.settings.seconds} s (${r.settings.clip}); model \`${r.settings.model}\`; \`queue.segmentSec\` ${r.settings.segmentSec}; one redis-server on this machine; the CLI from \`${r.settings.cli}\`. Each row is one run and states the 1-minute load average when it started.`,
    '',
    '## One process: `f2d restore`',
    '',
    '| frames | wall s | fps | start-up s (model loading included) | steady fps | load |',
    '|---|---|---|---|---|---|',
    `| ${r.restore.frames} | ${round(r.restore.wallSec, 2)} | ${round(r.restore.fps, 2)} | ${round(r.restore.startupSec, 2)} | ${round(r.restore.steadyFps, 2)} | ${r.restore.loadAvg} |`,
    '',
    '## `f2d queue add --wait` with local workers',
    '',
    'Wall: from `queue add` to its exit (add, split, segments, join). Split / join: from the file job\'s start to the worker\'s "N segments" / "joined" line. Pick-up: from a segment being ready (added, or its worker free) to a worker taking it. Segment start-up: a segment\'s start to its first restored frame, for each worker\'s first segment (the model\'s first run in that process) and for the later ones (model warm); the worker\'s cold start is its spawn to "waiting for jobs" (the model\'s loading). Per-worker fps: the segments\' frames ÷ the time workers spent in them (per-segment costs included).',
    '',
    '| workers | frames | segments | wall s | fps | split s | join s | worker cold start s | segment start-up s, first / warm | pick-up ms, median / max | per-worker fps | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.queue.map(
      (q) =>
        `| ${q.workers} | ${q.frames} | ${q.segments} | ${q.wallSec} | ${q.fps} | ${q.splitSec} | ${q.joinSec} | ${q.workerColdStartSec} | ${q.firstSegmentStartupSec} / ${q.warmSegmentStartupSec ?? '—'} | ${q.pickupMs} / ${q.pickupMaxMs} | ${q.segmentFpsPerWorker} | ${q.loadAvg} |`,
    ),
    '',
  ];
  if (one !== undefined) {
    lines.push(
      '## Sizing: one hour of this video on N machines',
      '',
      `Assumes N machines like this one, one worker each (here, per worker: ${one.segmentFpsPerWorker} fps with per-segment costs), Redis and the shared storage not the bottleneck, at least N segments (an hour at \`queue.segmentSec\` 60 makes 60); the split and the join run once each, scaled by length from this clip (${round(one.splitSec / (clipSec / 60), 2)} s and ${round(one.joinSec / (clipSec / 60), 2)} s per minute of video). Time = split + frames ÷ (N × per-worker fps) + join.`,
      '',
      '| machines | one hour of video takes, s | fps |',
      '|---|---|---|',
      ...r.sizing.map((s) => `| ${s.machines} | ${s.hourSec} | ${s.fps} |`),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

const machine = machineInfo();
const clip = benchClip({ width, height, fps, frames: clipSec * fps });
log(`queue bench: ${clip}, workers ${workerCounts.join(', ')}, segments of ${segmentSec} s, load ${machine.loadAvgStart.join(' ')}`);
const redis = await startRedisServer();
try {
  const restore = await restoreOnce(clip, resolve(CLIP_DIR, 'queue-restore-out.mp4'));
  log(`restore: ${restore.frames} frames in ${round(restore.wallSec, 1)} s (${round(restore.fps, 1)} fps)`);
  const runs: QueueRun[] = [];
  for (const n of workerCounts) {
    const run = await queueOnce(clip, redis.url, n);
    log(`queue, ${n} worker(s): ${run.frames} frames in ${run.wallSec} s (${run.fps} fps), ${run.segments} segments, split ${run.splitSec} s, join ${run.joinSec} s`);
    runs.push(run);
  }
  const one = runs.find((q) => q.workers === 1);
  const results: Results = {
    machine,
    note: values.note,
    settings: { clip, size: values.size, fps, seconds: clipSec, segmentSec, model: values.model, cli: values.cli },
    restore,
    queue: runs,
    sizing: one === undefined ? [] : sizing(one),
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'queue.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(values.out, 'queue.md'), renderMarkdown(results));
  log(`queue bench: wrote ${join(values.out, 'queue.json')} and ${join(values.out, 'queue.md')}`);
} finally {
  await redis.stop();
}
