/**
 * Model-alone benchmark through the real worker path (OnnxRestorer):
 * median ms per frame of parser+restorer and restorer-only (parser reused),
 * per frame size and thread count. Not a test; run by hand or from `npm run bench`.
 *
 *   node --import=tsx test/bench/model-bench.ts --model test/fixtures/models/f2d-tiny \
 *     --sizes 640x360,1280x720 --threads 1,2 --frames 15 [--spin 1] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { OnnxRestorer } from '../../src/model/onnx-restorer.js';
import type { ExecutionProvider } from '../../src/model/types.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/f2d-lite' },
    sizes: { type: 'string', default: '640x360,1280x720' },
    threads: { type: 'string', default: '1,2' },
    frames: { type: 'string', default: '15' },
    provider: { type: 'string', default: 'cpu' },
    spin: { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A frame with texture at every scale, so no path is shortcut by flat input. */
function testFrame(w: number, h: number, seed: number): Uint8Array {
  const a = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      a[o] = (x * 3 + seed) & 0xff;
      a[o + 1] = (y * 5 + ((x * y) >> 6)) & 0xff;
      a[o + 2] = ((x ^ y) + seed * 7) & 0xff;
    }
  }
  return a;
}

interface Row {
  model: string;
  provider: string;
  size: string;
  threads: number;
  fullMs: number;
  restorerOnlyMs: number;
  parserMs: number;
  restorerMs: number;
  overheadMs: number;
}

const rows: Row[] = [];
const frames = Number(values.frames);
for (const threads of values.threads.split(',').map(Number)) {
  const r = await OnnxRestorer.create({
    modelDir: values.model,
    provider: values.provider as ExecutionProvider,
    threads,
    parserInterval: Number.MAX_SAFE_INTEGER,
    allowSpinning: values.spin !== '0',
  });
  // A provider that fails to load falls back to cpu: say so, the rows then show 'cpu'.
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  try {
    for (const size of values.sizes.split(',')) {
      const [w, h] = size.split('x').map(Number) as [number, number];
      const src = testFrame(w, h, 1);
      const full: number[] = [];
      const only: number[] = [];
      const parser: number[] = [];
      const restorer: number[] = [];
      const overhead: number[] = [];
      for (let i = -2; i < frames; i++) {
        for (const reparse of [true, false]) {
          const t0 = performance.now();
          const res = await r.restore({ width: w, height: h, data: src.slice() }, { reparse });
          const ms = performance.now() - t0;
          if (i < 0) continue; // warm-up
          (reparse ? full : only).push(ms);
          if (reparse) parser.push(res.timings['parser'] ?? 0);
          else {
            restorer.push(res.timings['restorer'] ?? 0);
            overhead.push(ms - (res.timings['restorer'] ?? 0));
          }
        }
      }
      const row: Row = {
        model: values.model,
        provider: r.provider,
        size,
        threads,
        fullMs: median(full),
        restorerOnlyMs: median(only),
        parserMs: median(parser),
        restorerMs: median(restorer),
        overheadMs: median(overhead),
      };
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  } finally {
    await r.close();
  }
}

const f = (n: number): string => n.toFixed(1);
console.log('| model | provider | size | threads | parser+restorer ms | restorer only ms (fps) | parser ms | restorer ms | worker/pad/crop overhead ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.model} | ${r.provider} | ${r.size} | ${r.threads} | ${f(r.fullMs)} | ${f(r.restorerOnlyMs)} (${f(1000 / r.restorerOnlyMs)}) | ${f(r.parserMs)} | ${f(r.restorerMs)} | ${f(r.overheadMs)} |`,
  );
}
if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ frames, rows }, null, 2));
