/** The benchmark's results document and its markdown rendering. */
import type { MachineInfo } from './machine.js';
import { fmt } from './stats.js';

export interface Results {
  readonly machine: MachineInfo;
  readonly settings: Record<string, unknown> & { readonly model: string; readonly modelName: string; readonly runs: number; readonly quick: boolean };
  /** transcodeCpuMsPerFrame is absent in results written before it was measured. */
  readonly media: { size: string; frames: number; decodeFps: number; transcodeFps: number; transcodeCpuMsPerFrame?: number; loadAvg: number }[];
  readonly model: {
    provider: string;
    available: boolean;
    unavailable: string | null;
    size: string;
    threads: number;
    parserMs: number;
    restorerMs: number;
    restorerCpuMs: number;
    fps: Record<string, number>;
    loadAvg: number;
  }[];
  readonly options: { variant: string; size: string; threads: number; parserMs: number; restorerMs: number; restorerCpuMs: number; loadAvg: number }[];
  readonly restore: {
    size: string;
    threads: number;
    /** Model streams × threads each, as run (e.g. `2 × 1`). */
    streams?: string;
    parserInterval: number;
    frames: number;
    /** Whole run, start-up included. */
    fps: number;
    /** Absent in results written before start-up was measured apart. */
    startupSec?: number;
    steadyFps?: number;
    stageMsPerFrame: Record<string, number>;
    peakRssMiB: number;
    cpuMsPerFrame: number;
    mediaCeilingFps: number;
    modelCeilingFps: number;
    /** steadyFps ÷ the slower ceiling (fps ÷ it in results written before start-up was measured apart). */
    efficiency: number;
    /** fps (start-up included) ÷ the slower ceiling. */
    wholeRunEfficiency?: number;
    loadAvg: number;
  }[];
  readonly live: {
    sourceFps: number;
    parserInterval: number;
    threads: number;
    fpsIn: number;
    fpsOut: number;
    dropRate: number;
    latencyP50Ms: number;
    latencyP95Ms: number;
    restoreMs: number;
    loadAvg: number;
  }[];
  readonly memory: { size: string; tileSize: number; frames: number; fps: number; peakRssMiB: number; rssSource: string; loadAvg: number }[];
}

const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Decode (without conversion) and encode (without conversion), from the summary's stage totals. */
function stages(s: Record<string, number>): string[] {
  const get = (k: string): number => s[k] ?? NaN;
  const toRgb = get('decode.toRgb');
  const fromRgb = get('encode.fromRgb');
  return [
    fmt(get('decode') - toRgb, 2),
    fmt(toRgb + fromRgb, 2),
    fmt(s['model.parser'] ?? 0, 2),
    fmt(get('model.restorer'), 2),
    fmt(get('encode') - fromRgb, 2),
    fmt(get('wait'), 2),
  ];
}

export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const st = r.settings;
  const out: string[] = [];
  out.push(`# f2d-stream benchmark${st['tag'] ? ` (${String(st['tag'])})` : ''}`, '');
  out.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; load average at start ${m.loadAvgStart.join(' / ')} (1/5/15 min), niceness ${m.niceness}. ` +
      `Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, node-av ${m.nodeAv}; commit ${m.gitCommit}${m.gitDirty ? ' + uncommitted changes' : ''}; ${m.startedAt}.`,
    '',
    `Model: \`${st.model}\` (${st.modelName}). Every figure is the median of ${st.runs} run(s)${st.quick ? ' (--quick: short clips and runs)' : ''}. ` +
      'Each row states the 1-minute load average when it started: with a load above the core count, figures are slowed by other work on the machine.',
    '',
    `Clips: ${String(st['clips'])}.`,
    '',
  );
  if (r.media.length > 0) {
    out.push('## Ceiling: media alone (src/media, no model)', '', 'x264 veryfast crf 20, as `f2d restore`. CPU ms/frame = process CPU time (every thread, x264\'s included) over the transcode ÷ frames: the share of the cores `f2d restore` gives the media work instead of the model.', '');
    out.push(
      table(
        ['size', 'frames', 'decode → RGB24 fps', 'decode → RGB24 → x264 → mp4 fps', 'transcode CPU ms/frame', 'load'],
        r.media.map((x) => [x.size, String(x.frames), fmt(x.decodeFps), fmt(x.transcodeFps), x.transcodeCpuMsPerFrame === undefined ? '–' : fmt(x.transcodeCpuMsPerFrame, 2), fmt(x.loadAvg, 2)]),
      ),
      '',
    );
  }
  if (r.model.length > 0) {
    const ks = Object.keys(r.model.find((x) => x.available)?.fps ?? {});
    out.push(
      '## Ceiling: model alone (both sessions, pre-made tensors, no worker)',
      '',
      'Restorer CPU ms = user + system time of one run over all onnxruntime threads; with 2 threads it exceeds wall ms when both cores are ours. ' +
        'fps = 1000 ÷ (restorer + parser ÷ interval).',
      '',
    );
    out.push(
      table(
        ['provider', 'size', 'threads', 'parser ms', 'restorer ms', 'restorer CPU ms', ...ks.map((k) => `fps, parser every ${k}`), 'load'],
        r.model.map((x) =>
          x.available
            ? [x.provider, x.size, String(x.threads), fmt(x.parserMs), fmt(x.restorerMs), fmt(x.restorerCpuMs), ...ks.map((k) => fmt(x.fps[k])), fmt(x.loadAvg, 2)]
            : [x.provider, x.size, '—', `not available: ${x.unavailable ?? ''}`, '', '', ...ks.map(() => ''), fmt(x.loadAvg, 2)],
        ),
      ),
      '',
    );
  }
  if (r.options.length > 0) {
    const base = r.options[0]!;
    out.push('## onnxruntime session options (one change each from the product settings)', '');
    out.push(
      table(
        ['options', 'size', 'threads', 'parser ms', 'restorer ms', 'restorer vs product', 'restorer CPU ms', 'load'],
        r.options.map((x) => [x.variant, x.size, String(x.threads), fmt(x.parserMs), fmt(x.restorerMs), `${fmt((x.restorerMs / base.restorerMs - 1) * 100, 0)} %`, fmt(x.restorerCpuMs), fmt(x.loadAvg, 2)]),
      ),
      '',
    );
  }
  if (r.restore.length > 0) {
    out.push(
      '## Product: `f2d restore` end to end',
      '',
      'Per-frame ms by stage: decode and encode without the RGB conversion, which has its own column (swscale both ways); parser and restorer run in the model worker, ' +
        'overlapped with decode and encode; "wait" is the main thread idle waiting for the model. CPU ms/frame = user + system time of the whole process (start-up and model load included) ÷ frames: what a frame costs, less sensitive to other load than fps. Streams: frame-parallel model sessions (`model.streams`; `f2d restore` defaults to automatic, 2 × 1 thread on 2 cores up to 1280×720); their model ceiling is the same pool of workers kept full with pre-made frames. fps = frames ÷ the whole run; start-up = from the start to the first restored frame reaching the encoder (opening input and encoder, loading the model, the first inference); steady fps = the frames after it ÷ the time after it, the rate a long video runs at. Efficiency = steady fps ÷ the slower ceiling (same size, threads, streams, parser interval): the ceilings are steady rates too, with sessions already open; whole-run efficiency = fps ÷ that ceiling, start-up included, which weighs heavily on these short clips. The model ceiling here is re-measured right before each end-to-end run (paired, so the machine\'s drift hits both alike), and the row is the run with the median efficiency.' +
        ` Views per frame (\`model.ensemble\`): ${String((st.restore as { ensemble?: number } | undefined)?.ensemble ?? 'the product default')}; the product restores a video file with 2 by default (\`auto\`), at about half these rates (the model ceiling is divided by the views).`,
      '',
    );
    out.push(
      table(
        ['size', 'threads', 'streams × threads', 'parser every', 'frames', 'fps', 'decode', 'convert', 'parser', 'restorer', 'encode', 'wait', 'peak RSS MiB', 'CPU ms/frame', 'start-up s', 'steady fps', 'media ceiling fps', 'model ceiling fps', 'efficiency', 'whole-run efficiency', 'load'],
        r.restore.map((x) => [
          x.size, String(x.threads), x.streams ?? `1 × ${x.threads}`, String(x.parserInterval), String(x.frames), fmt(x.fps), ...stages(x.stageMsPerFrame),
          fmt(x.peakRssMiB, 0), fmt(x.cpuMsPerFrame), x.startupSec === undefined ? '–' : fmt(x.startupSec, 2), x.steadyFps === undefined ? '–' : fmt(x.steadyFps),
          fmt(x.mediaCeilingFps), fmt(x.modelCeilingFps), fmt(x.efficiency, 2), x.wholeRunEfficiency === undefined ? '–' : fmt(x.wholeRunEfficiency, 2), fmt(x.loadAvg, 2),
        ]),
      ),
      '',
    );
  }
  if (r.live.length > 0) {
    out.push(
      '## Product: live path (`src/live/run-live.ts`, file source paced at its frame rate, both encoders, hub)',
      '',
      'Latency = capture → published (restored and original encoded). Drop rate = frames replaced while the restorer was busy ÷ frames arrived.',
      '',
    );
    out.push(
      table(
        ['source fps', 'parser every', 'threads', 'fps in', 'fps out', 'drop rate', 'latency p50 ms', 'latency p95 ms', 'restore ms (p50)', 'load'],
        r.live.map((x) => [String(x.sourceFps), String(x.parserInterval), String(x.threads), fmt(x.fpsIn), fmt(x.fpsOut), `${fmt(x.dropRate * 100)} %`, fmt(x.latencyP50Ms), fmt(x.latencyP95Ms), fmt(x.restoreMs), fmt(x.loadAvg, 2)]),
      ),
      '',
    );
  }
  if (r.memory.length > 0) {
    out.push('## Memory: `f2d restore` on 1920×1080 (target: peak under 1.5 GB = 1430 MiB)', '');
    out.push(
      table(
        ['size', 'tile size', 'frames', 'fps', 'peak RSS MiB', 'under 1.5 GB', 'measured by', 'load'],
        r.memory.map((x) => [x.size, x.tileSize === 0 ? 'none' : String(x.tileSize), String(x.frames), fmt(x.fps, 2), fmt(x.peakRssMiB, 0), x.peakRssMiB < 1500e6 / 2 ** 20 ? 'yes' : 'no', x.rssSource, fmt(x.loadAvg, 2)]),
      ),
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
