/**
 * `npm run bench:streams`: how many cameras one `f2d serve` takes. Starts the
 * real application (src/jobs/serve-live.ts) with 1, 2, 3… streams of the same
 * clip, each paced at its frame rate as a camera would be, and reports per
 * stream the frames in and out a second and the share dropped while its
 * restorer was busy, after a warm-up. No viewer is attached (no socket cost).
 *
 *   npm run bench:streams -- [--streams 1,2,3] [--seconds 15] [--warmup 5]
 *                            [--model models/f2d-lite-int8] [--size 640x360] [--fps 25]
 *
 * Writes test/bench/results/live-streams.json and .md from what it measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.js';
import { startServe } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { setFfmpegLogLevel } from '../helpers/live.js';
import { benchClip } from './clips.js';
import { loadAverage, machineInfo } from './machine.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1,2,3' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    model: { type: 'string', default: 'models/f2d-lite-int8' },
    size: { type: 'string', default: '640x360' },
    fps: { type: 'string', default: '25' },
    out: { type: 'string', default: path.join('test', 'bench', 'results') },
  },
});

interface StreamFigures {
  readonly name: string;
  readonly fpsIn: number;
  readonly fpsOut: number;
  /** Dropped ÷ arrived in the measured window. */
  readonly dropRate: number;
}

interface Row {
  readonly streams: number;
  readonly loadAvgBefore: number;
  readonly perStream: readonly StreamFigures[];
  readonly totalFpsOut: number;
  readonly meanDropRate: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(count: number, clip: string, width: number, height: number): Promise<Row> {
  const streams = Array.from({ length: count }, (_, i) => ({ name: `cam${i + 1}`, source: clip }));
  const flags = Object.entries({
    'model.dir': values.model,
    'serve.port': '0',
    'serve.loop': 'true',
    'serve.width': String(width),
    'serve.height': String(height),
    // As the live pipelines ship: the parser every 8 frames; never pass through (all frames restored).
    'serve.parserInterval': '8',
    'serve.sceneCutThreshold': '0',
    'serve.passThroughBelow': '0',
    'serve.streams': JSON.stringify(streams),
    'log.level': 'silent',
  }).map(([key, value]) => ({ key, value: value as string, flag: `--set ${key}` }));
  const loadAvgBefore = loadAverage()[0] ?? NaN;
  const serve = await startServe(loadConfig({ flags }).config, silentLogger);
  try {
    await sleep(Number(values.warmup) * 1000);
    const before = serve.streams.map((s) => s.run.status());
    const t0 = performance.now();
    await sleep(Number(values.seconds) * 1000);
    const sec = (performance.now() - t0) / 1000;
    const perStream = serve.streams.map((s, i) => {
      const a = before[i] as ReturnType<typeof s.run.status>;
      const b = s.run.status();
      const framesIn = b.framesIn - a.framesIn;
      return { name: s.name, fpsIn: round(framesIn / sec, 1), fpsOut: round((b.framesOut - a.framesOut) / sec, 1), dropRate: round(framesIn > 0 ? (b.dropped - a.dropped) / framesIn : 0, 3) };
    });
    return {
      streams: count,
      loadAvgBefore: round(loadAvgBefore, 2),
      perStream,
      totalFpsOut: round(perStream.reduce((t, s) => t + s.fpsOut, 0), 1),
      meanDropRate: round(perStream.reduce((t, s) => t + s.dropRate, 0) / perStream.length, 3),
    };
  } finally {
    await serve.close();
  }
}

function markdown(machine: ReturnType<typeof machineInfo>, settings: object, rows: readonly Row[]): string {
  const lines = [
    '# Live streams per `f2d serve` (`npm run bench:streams`)',
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores; commit ${machine.gitCommit}${machine.gitDirty ? ' (dirty)' : ''}; nice ${machine.niceness}; started ${machine.startedAt}.`,
    `Settings: ${JSON.stringify(settings)}.`,
    '',
    '| streams | restored fps per stream | dropped per stream | total restored fps | load avg before |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.streams} | ${r.perStream.map((s) => s.fpsOut).join(' / ')} | ${r.perStream.map((s) => `${(s.dropRate * 100).toFixed(0)} %`).join(' / ')} | ${r.totalFpsOut} | ${r.loadAvgBefore} |`),
    '',
  ];
  return lines.join('\n');
}

setFfmpegLogLevel('quiet');
const [width, height] = (values.size as string).split('x').map(Number) as [number, number];
const fps = Number(values.fps);
const clip = benchClip({ width, height, fps, frames: fps * 20 });
const machine = machineInfo();
const rows: Row[] = [];
for (const count of (values.streams as string).split(',').map(Number)) {
  const row = await measure(count, clip, width, height);
  process.stderr.write(`${count} stream(s): ${row.perStream.map((s) => `${s.name} ${s.fpsOut} fps out, ${(s.dropRate * 100).toFixed(0)} % dropped`).join('; ')}\n`);
  rows.push(row);
}
const settings = { model: values.model, size: values.size, sourceFps: fps, seconds: Number(values.seconds), warmupSeconds: Number(values.warmup), parserInterval: 8 };
mkdirSync(values.out as string, { recursive: true });
writeFileSync(path.join(values.out as string, 'live-streams.json'), `${JSON.stringify({ machine, settings, rows }, null, 2)}\n`);
writeFileSync(path.join(values.out as string, 'live-streams.md'), markdown(machine, settings, rows));
process.stderr.write(`wrote ${path.join(values.out as string, 'live-streams.md')}\n`);
