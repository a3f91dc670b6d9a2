import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { startServe, type ServeHandle } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { liveTestConfig, setFfmpegLogLevel } from '../helpers/live.js';
import { launchChromium } from '../helpers/chromium.js';
import { requires } from '../helpers/requires.js';
import { Resources } from '../helpers/resources.js';

/**
 * Numbers the viewer page shows, read from its DOM. Passed as source text:
 * tsx would wrap named inner functions in a helper the page does not have.
 */
const FIGURES_JS = `(() => {
  const v = (id) => Number(document.getElementById(id).dataset.value);
  return { drawn: v('frames-drawn'), p50: v('latency-p50'), p95: v('latency-p95'), fps: Number(document.getElementById('fps').textContent) };
})()`;

async function figures(page: Page): Promise<{ drawn: number; p50: number; p95: number; fps: number }> {
  return page.evaluate(FIGURES_JS) as Promise<{ drawn: number; p50: number; p95: number; fps: number }>;
}

const CANVAS_SPREAD_JS = `(() => {
  const canvas = document.getElementById('video');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let min = 255;
  let max = 0;
  for (let i = 0; i < data.length; i += 4 * 97) {
    min = Math.min(min, data[i]);
    max = Math.max(max, data[i]);
  }
  return { width: canvas.width, height: canvas.height, min, max };
})()`;

describe('browser: the viewer in real Chromium (WebCodecs)', function () {
  this.timeout(120000);
  let serve: ServeHandle;
  let context: BrowserContext;
  const resources = new Resources();

  before(async function () {
    requires(this, 'chromium');
    setFfmpegLogLevel('quiet');
    serve = await resources.add(startServe(liveTestConfig({ 'serve.source': 'test/fixtures/media/city-night-640x360.mp4', 'serve.width': 640, 'serve.height': 360 }), silentLogger));
    context = (await resources.add(launchChromium())).context;
  });

  after(async () => {
    await resources.closeAll();
  });

  it('decodes and draws frames, and shows the glass-to-glass latency', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(serve.server.viewerUrl);
    await page.waitForFunction(() => Number(document.getElementById('frames-drawn')?.dataset.value) >= 40 && document.getElementById('latency-p50')?.dataset.value !== '', undefined, { timeout: 60000, polling: 250 });
    const f = await figures(page);
    assert.deepEqual(errors, []);
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'open');
    assert.ok(f.drawn >= 40, `${f.drawn} frames drawn`);
    assert.ok(f.p50 > 0 && f.p50 < 2000, `latency p50 ${f.p50} ms`);
    assert.ok(f.p95 >= f.p50, `latency p95 ${f.p95} ms`);
    // The canvas shows a picture, not a blank: its pixels vary.
    const spread = (await page.evaluate(CANVAS_SPREAD_JS)) as { width: number; height: number; min: number; max: number };
    assert.equal(`${spread.width}x${spread.height}`, '640x360');
    assert.ok(spread.max - spread.min > 40, `canvas pixel range ${spread.min}..${spread.max}`);
    // The viewer reports its latency to the server's /metrics.
    await page.waitForTimeout(1500);
    assert.ok(((await serve.metrics.registry.value('f2d_glass_to_glass_seconds_count')) ?? 0) > 0, 'glass-to-glass latency reached /metrics');
    // The controls work: side-by-side doubles the canvas width; an overlay can be chosen.
    await page.selectOption('#mode', 'side');
    await page.selectOption('#overlay', '2');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLCanvasElement).width === 1280);
    process.stdout.write(`      viewer: ${f.drawn} frames drawn, ${f.fps} fps shown, glass-to-glass p50 ${f.p50.toFixed(0)} ms, p95 ${f.p95.toFixed(0)} ms\n`);
    await page.close();
  });

  it('reconnects by itself after the connection drops', async () => {
    const page = await context.newPage();
    await page.goto(serve.server.viewerUrl);
    await page.waitForFunction(() => Number(document.getElementById('frames-drawn')?.dataset.value) >= 5, undefined, { timeout: 60000 });
    const before = (await figures(page)).drawn;
    // A network drop: the server cuts every viewer's TCP connection.
    serve.server.dropViewers();
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state !== 'open', undefined, { timeout: 10000 });
    await page.waitForFunction((n) => document.getElementById('status')?.dataset.state === 'open' && Number(document.getElementById('frames-drawn')?.dataset.value) > n + 10, before, { timeout: 60000 });
    await page.close();
  });
});
