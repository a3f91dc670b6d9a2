/**
 * Turns what scripts/gpu/run.sh brought back from a GPU machine into one markdown table.
 *
 *   node --import tsx scripts/gpu/report.ts test/bench/results/gpu > test/bench/results/gpu/results.md
 *
 * Every figure is read from the JSON files in that folder; nothing here is typed in.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface NodeRow {
  model: string;
  provider: string;
  size: string;
  threads: number;
  parserMs: number;
  restorerMs: number;
  restorerOnlyMs: number;
}
interface TorchInference {
  config: string;
  size: string;
  precision: string;
  parser_ms: number;
  restorer_ms: number;
  restorer_with_host_copies_ms: number;
}
interface TorchTraining {
  config: string;
  precision: string;
  batch: number;
  crop: number;
  step_ms: number;
  images_per_s: number;
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: report.ts <folder written by scripts/gpu/run.sh>');
const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
const f1 = (n: number): string => n.toFixed(1);

const env = readFileSync(path.join(dir, 'env.txt'), 'utf8').split('\n');
const out: string[] = ['# f2d-stream on a GPU', ''];
out.push(`Machine: ${env[1] ?? '?'} (${env[2] ?? '?'} CPU cores). Made by \`scripts/gpu/pack.sh\` here and \`scripts/gpu/run.sh\` there; this table by \`scripts/gpu/report.ts\`.`, '');

out.push('## onnxruntime-node (the product\'s own worker path: `test/bench/model-bench.ts`)', '');
out.push('Median of 20 frames after 2 warm-ups. "provider" is what the sessions really ran on (a provider that fails to load falls back to cpu). Restorer ms includes copying the frame to and from the device; "frame ms" is what one restored frame costs through the worker (pad, transfer, crop) with the parser reused.', '');
out.push('| file | model | requested → ran on | size | parser ms | restorer ms | frame ms (fps) |', '|---|---|---|---|---|---|---|');
for (const file of readdirSync(dir).filter((f) => /^node-.*\.json$/.test(f)).sort()) {
  const requested = file.split('-')[1];
  for (const r of read<{ rows: NodeRow[] }>(file).rows) {
    out.push(`| ${file} | ${path.basename(r.model)} | ${requested} → ${r.provider}${r.provider === 'cpu' ? ` (${r.threads || 'all'} threads)` : ''} | ${r.size} | ${f1(r.parserMs)} | ${f1(r.restorerMs)} | ${f1(r.restorerOnlyMs)} (${f1(1000 / r.restorerOnlyMs)}) |`);
  }
}

if (existsSync(path.join(dir, 'torch.json'))) {
  const t = read<{ machine: Record<string, unknown>; inference: TorchInference[]; training: TorchTraining[]; onnxruntime_python: Record<string, unknown>[] }>('torch.json');
  out.push('', `## PyTorch reference (\`scripts/f2dnet/bench_torch.py\`, torch ${String(t.machine['torch'])}, cuDNN ${String(t.machine['cudnn'])})`, '');
  out.push('The same computation as the exported graphs (uint8 in, uint8 out), untrained weights, eager mode, median of 30 runs. "with host copies" adds the frame upload and the result download.', '');
  out.push('| config | size | precision | parser ms | restorer ms | restorer with host copies ms | fps |', '|---|---|---|---|---|---|---|');
  for (const r of t.inference) {
    out.push(`| ${r.config} | ${r.size} | ${r.precision} | ${f1(r.parser_ms)} | ${f1(r.restorer_ms)} | ${f1(r.restorer_with_host_copies_ms)} | ${f1(1000 / r.restorer_with_host_copies_ms)} |`);
  }
  out.push('', '### One training step (network only: forward, Charbonnier loss, backward, AdamW)', '');
  out.push('| config | precision | batch × crop | step ms | images/s |', '|---|---|---|---|---|');
  for (const r of t.training) out.push(`| ${r.config} | ${r.precision} | ${r.batch} × ${r.crop}² | ${f1(r.step_ms)} | ${r.images_per_s.toFixed(0)} |`);
  if (t.onnxruntime_python.length > 0) {
    out.push('', '### Python onnxruntime on that machine', '');
    for (const r of t.onnxruntime_python) out.push(`- ${JSON.stringify(r)}`);
  }
}
// scripts/gpu/cuda-bench.sh: f2d restore end to end (`--json`), decode + model + encode.
const restores = readdirSync(dir).filter((f) => /^restore-.*\.json$/.test(f)).sort();
if (restores.length > 0) {
  out.push('', '## `f2d restore` end to end (`scripts/gpu/cuda-bench.sh`)', '');
  out.push('Whole run: decode, model, encode (x264 on the CPU). "provider" is cpu when cuda fell back (its warning, in log.txt, says why). Stage ms are per frame.', '');
  out.push('| file | frames | seconds | fps | steady fps | provider | stage ms per frame |', '|---|---|---|---|---|---|---|');
  for (const file of restores) {
    // cuda-bench.sh adds fellBackToCpu from f2d's stderr (the summary does not say which provider ran).
    const r = read<{ frames: number; seconds: number; fps: number; steadyFps?: number; stages: Record<string, number>; fellBackToCpu?: boolean }>(file);
    const fellBack = r.fellBackToCpu === true;
    const stages = Object.entries(r.stages).map(([k, ms]) => `${k} ${f1(ms / Math.max(1, r.frames))}`).join(', ');
    out.push(`| ${file} | ${r.frames} | ${f1(r.seconds)} | ${f1(r.fps)} | ${r.steadyFps === undefined ? '–' : f1(r.steadyFps)} | ${fellBack ? 'cpu (fell back)' : 'cuda'} | ${stages} |`);
  }
}
const trainLogs = readdirSync(dir).filter((f) => /^train-.*\.log$/.test(f)).sort();
if (trainLogs.length > 0) {
  out.push('', '## The training loop on the GPU (`f2dnet.train --device cuda`, 40 carried photos)', '');
  out.push('Median over the logged 50-step windows after the first two. "data s" = making the batch (crops, noise, synthesis launch); "step s" = the whole step.', '');
  out.push('| log | model | batch × crop | steps | data s | step s | steps/s |', '|---|---|---|---|---|---|---|');
  for (const file of trainLogs) {
    const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
    const model = /^model (\w+):/.exec(lines[0] ?? '')?.[1] ?? '?';
    // train.py prints its batch and crop on that line; logs from before it did show '–'.
    const shape = /batch (\d+) x (\d+) px/.exec(lines[0] ?? '');
    const windows = lines.filter((l) => l.startsWith('step=')).slice(2).map((l) => Object.fromEntries(l.split(' ').map((kv) => kv.split('='))) as Record<string, string>);
    const med = (key: string): number => {
      const v = windows.map((w) => Number(w[key])).sort((a, b) => a - b);
      return v[v.length >> 1] ?? NaN;
    };
    const steps = /done at step (\d+)/.exec(lines.join('\n'))?.[1] ?? '?';
    out.push(`| ${file} | ${model} | ${shape ? `${shape[1]} × ${shape[2]}²` : '–'} | ${steps} | ${med('data_s').toFixed(3)} | ${med('step_s').toFixed(3)} | ${(1 / med('step_s')).toFixed(1)} |`);
  }
}
console.log(out.join('\n'));
