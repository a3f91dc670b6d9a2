/**
 * Measures the live path end to end on this machine: a real-time 640x360
 * 25 fps RTSP feed (the test RTSP server, its clip encoded with node-av) → f2d serve
 * (restoring every frame it can, no pass-through) → Chromium's viewer.
 * Prints fps in/out, the drop rate and glass-to-glass latency (p50/p95, from
 * the viewer's own reports) as JSON.
 *
 *   node --import tsx test/browser/measure-live.ts [--seconds 30] [--model <dir>] [--threads n]
 *
 * The model defaults to models/f2d-lite, or the test fixture f2d-tiny while
 * the trained model is not there.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startServe } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { TestRtspServer } from '../helpers/rtsp-server.js';
import { TINY_MODEL, liveTestConfig, setFfmpegLogLevel } from '../helpers/live.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, model: { type: 'string' }, threads: { type: 'string', default: '0' }, clip: { type: 'string', default: 'test/fixtures/media/city-night-640x360.mp4' } } });
const seconds = Number(values.seconds);
const model = values.model ?? (existsSync('models/f2d-lite/manifest.json') ? 'models/f2d-lite' : TINY_MODEL);
setFfmpegLogLevel('quiet');

const rtsp = await TestRtspServer.start(values.clip);
const serve = await startServe(
  liveTestConfig({ 'serve.source': rtsp.url, 'serve.width': 640, 'serve.height': 360, 'serve.passThroughBelow': 0, 'serve.parserInterval': 8, 'serve.encoder.keyIntervalSec': 2, 'model.dir': model, 'model.threads': Number(values.threads) }),
  silentLogger,
);
const profile = mkdtempSync(path.join(tmpdir(), 'f2d-measure-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await context.newPage();
  await page.goto(serve.server.viewerUrl);
  await page.waitForFunction(() => Number(document.getElementById('frames-drawn')?.dataset.value) >= 10, undefined, { timeout: 60000 });
  // Warm-up done: measure from here.
  const start = serve.run.status();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = serve.run.status();
  const elapsed = (performance.now() - t0) / 1000;
  const shown = (await page.evaluate(`(() => ({ drawn: Number(document.getElementById('frames-drawn').dataset.value), p50: Number(document.getElementById('latency-p50').dataset.value), p95: Number(document.getElementById('latency-p95').dataset.value) }))()`)) as { drawn: number; p50: number; p95: number };
  const q = (name: 'wait' | 'restore' | 'encode' | 'pipeline', p: number): number => Math.round(serve.metrics.recentQuantile(name, p) * 1000);
  const framesIn = end.framesIn - start.framesIn;
  const framesOut = end.framesOut - start.framesOut;
  const dropped = end.dropped - start.dropped;
  process.stdout.write(
    `${JSON.stringify(
      {
        source: `RTSP/TCP 640x360 25 fps (${values.clip})`,
        model,
        seconds: Number(elapsed.toFixed(1)),
        fpsIn: Number((framesIn / elapsed).toFixed(1)),
        fpsOut: Number((framesOut / elapsed).toFixed(1)),
        dropRate: Number((dropped / Math.max(1, framesIn)).toFixed(3)),
        glassToGlassMs: { p50: Math.round(serve.metrics.recentQuantile('glassToGlass', 0.5) * 1000), p95: Math.round(serve.metrics.recentQuantile('glassToGlass', 0.95) * 1000), viewerLast300: { p50: Math.round(shown.p50), p95: Math.round(shown.p95) } },
        serverStageMs: { wait: [q('wait', 0.5), q('wait', 0.95)], restore: [q('restore', 0.5), q('restore', 0.95)], encode: [q('encode', 0.5), q('encode', 0.95)], pipeline: [q('pipeline', 0.5), q('pipeline', 0.95)] },
        rtspAccessUnitsSent: rtsp.sent,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await context.close();
  await serve.close();
  await rtsp.stop();
  rmSync(profile, { recursive: true, force: true });
}
