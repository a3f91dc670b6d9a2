/**
 * `npm run quantize`: an int8 variant of a shipped model, in one command.
 *
 *   npm run quantize -- [--model models/f2d-lite] [--out models/f2d-lite-int8]
 *                       [--photos scripts/data/photos] [--frames 33] [--width 640 --height 360]
 *                       [--skip <Conv node name>]...
 *   npm run quantize -- --out models/f2d-lite-int8 --metrics eval.json   (record `f2d eval --json` of it)
 *
 * For each graph (parser, then restorer):
 * 1. `quantize.py probe` writes the float graph with the tensors around each
 *    convolution exposed as outputs;
 * 2. calibration frames: training photos (never the validation split that
 *    `f2d eval` scores), each degraded by the project's synthesis with one of the
 *    11 weather configurations in turn, seeded (the same frames for both graphs);
 * 3. onnxruntime-node runs the probe on them and records each tensor's range
 *    (src/model/worker/calibrate.ts; the restorer's probe gets the float parser's maps);
 * 4. `quantize.py build` writes the QDQ graph.
 *
 * Then score it with `f2d eval --model <out> --json eval.json` and record the
 * scores in its manifest with `--metrics eval.json` (which rebuilds nothing).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { coverCrop, listPhotos } from '../src/eval/benchmark.js';
import { cropResizeRgb, readImage } from '../src/media/index.js';
import { calibrateRanges } from '../src/model/worker/calibrate.js';
import { loadManifest } from '../src/model/manifest.js';
import { OnnxDegrader } from '../src/model/onnx-degrader.js';
import type { RgbFrame } from '../src/frame.js';
import { recordMetrics } from './record-metrics.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const CALIBRATION_SEED = 20261126;
const GRAPHS = ['parser', 'restorer'] as const;

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/f2d-lite' },
    out: { type: 'string' },
    photos: { type: 'string', default: 'scripts/data/photos' },
    synth: { type: 'string', default: 'models/synth' },
    frames: { type: 'string', default: '33' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '360' },
    tail: { type: 'string', default: '1e-4' },
    skip: { type: 'string', multiple: true, default: [] },
    metrics: { type: 'string' },
  },
});

const modelDir = path.resolve(values.model);
const outDir = path.resolve(values.out ?? `${values.model}-int8`);
const python = process.env['PYTHON'] ?? '/usr/bin/python3';

function quantizePy(args: string[]): void {
  const r = spawnSync(python, ['-m', 'f2dnet.quantize', ...args], { cwd: path.join(ROOT, 'scripts'), stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`quantize.py ${args[0]} failed (exit ${r.status ?? r.signal}); see its message above`);
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

async function calibrationFrames(count: number, width: number, height: number): Promise<{ frames: RgbFrame[]; used: string[] }> {
  const photos = await listPhotos(path.resolve(values.photos), 'train');
  const degrader = await OnnxDegrader.create({ modelDir: path.resolve(values.synth), provider: 'cpu', threads: 0 });
  try {
    const names = Object.keys(degrader.configurations);
    const frames: RgbFrame[] = [];
    const used: string[] = [];
    for (let i = 0; i < count; i++) {
      // Evenly spread over the training photos, every configuration in turn.
      const photo = photos[Math.floor((i * photos.length) / count)]!;
      const configuration = names[i % names.length]!;
      const image = await readImage(photo.path);
      const clean = cropResizeRgb(image, coverCrop(image.width, image.height, width, height), width, height);
      frames.push((await degrader.degrade(clean, { configuration, seed: CALIBRATION_SEED + i })).frame);
      used.push(`${photo.name}:${configuration}`);
    }
    return { frames, used };
  } finally {
    await degrader.close();
  }
}

async function main(): Promise<void> {
  if (values.metrics) {
    const key = await recordMetrics(outDir, values.metrics);
    process.stderr.write(`recorded ${values.metrics} as ${key} of ${path.relative(ROOT, outDir)}\n`);
    return;
  }
  const { manifest, files } = await loadManifest(modelDir);
  const work = mkdtempSync(path.join(tmpdir(), 'f2d-quantize-'));
  try {
    const width = Number(values.width);
    const height = Number(values.height);
    const tail = Number(values.tail);
    const { frames, used } = await calibrationFrames(Number(values.frames), width, height);
    mkdirSync(outDir, { recursive: true });
    const summaries: Record<string, object> = {};
    // Conv node names are graph-local; a name absent from a graph is ignored there.
    const skip = values.skip.flatMap((s) => ['--skip', s]);
    for (const graph of GRAPHS) {
      const probe = path.join(work, `${graph}-probe.onnx`);
      const tensorsFile = path.join(work, `${graph}-tensors.json`);
      quantizePy(['probe', '--model', files[graph], '--out', probe, '--tensors', tensorsFile, ...skip]);
      const tensors = JSON.parse(readFileSync(tensorsFile, 'utf8')) as string[];
      const ranges = await calibrateRanges(frames, {
        parserFile: files.parser,
        probeFile: probe,
        graph,
        tensors,
        sizeMultiple: manifest.sizeMultiple,
        tail,
        onFrame: (done, total) => process.stderr.write(`\rcalibrating the ${graph}: ${done}/${total} frames`),
      });
      process.stderr.write('\n');
      const rangesFile = path.join(outDir, `calibration-${graph}.json`);
      writeFileSync(rangesFile, `${JSON.stringify(ranges, null, 1)}\n`);
      const summaryFile = path.join(work, `${graph}-summary.json`);
      quantizePy(['build', '--model', files[graph], '--ranges', rangesFile, '--out', path.join(outDir, `${graph}.onnx`), '--summary', summaryFile, ...skip]);
      summaries[graph] = JSON.parse(readFileSync(summaryFile, 'utf8')) as object;
    }

    const name = path.basename(outDir);
    // Neither the float goldens nor the velocity probe's graph come along: the probe measures the
    // float network (f2d eval --diagnostics on an int8 model names the float one to run it on).
    const { golden: _floatGolden, metrics: _floatMetrics, velocity: _floatVelocity, ...rest } = manifest;
    const { velocity: _velocityIo, ...io } = manifest.io;
    const out = {
      ...rest,
      io,
      name,
      files: {
        parser: { path: 'parser.onnx', sha256: sha256(path.join(outDir, 'parser.onnx')) },
        restorer: { path: 'restorer.onnx', sha256: sha256(path.join(outDir, 'restorer.onnx')) },
      },
      quantization: {
        method: 'static QDQ: uint8 activations per tensor, int8 weights per output channel, int32 bias',
        from: { model: manifest.name, parserSha256: manifest.files.parser.sha256, restorerSha256: manifest.files.restorer.sha256 },
        graphs: summaries,
        calibration: {
          files: GRAPHS.map((g) => `calibration-${g}.json`),
          frames: frames.length,
          size: `${width}x${height}`,
          split: 'train',
          synthSeed: CALIBRATION_SEED,
          range: `percentiles ${tail} and ${1 - tail} of a strided sample per frame`,
          images: used,
        },
      },
    };
    writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stderr.write(`wrote ${path.relative(ROOT, outDir)} (score it: f2d eval --model ${path.relative(ROOT, outDir)})\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`quantize: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
