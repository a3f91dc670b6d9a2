import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { startServe, type ServeHandle } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { SAMPLE_CLIP, liveTestConfig, setFfmpegLogLevel } from '../helpers/live.js';
import { launchChromium } from '../helpers/chromium.js';
import { requires } from '../helpers/requires.js';
import { Resources } from '../helpers/resources.js';

const TOKEN = 'browser-multi-123';

/** The canvas's size, read in the page. */
const CANVAS_SIZE_JS = `(() => { const c = document.getElementById('video'); return c.width + 'x' + c.height; })()`;

describe('browser: a several-camera server in real Chromium', function () {
  this.timeout(180000);
  let serve: ServeHandle;
  let context: BrowserContext;
  const resources = new Resources();

  before(async function () {
    requires(this, 'chromium');
    setFfmpegLogLevel('quiet');
    const streams = [
      // Small frames: two model workers share the machine's cores with Chromium.
      { name: 'front', source: SAMPLE_CLIP, width: 160, height: 96 },
      { name: 'rear', source: 'test/fixtures/media/city-night-640x360.mp4', width: 256, height: 144 },
    ];
    serve = await resources.add(startServe(liveTestConfig({ 'serve.token': TOKEN, 'serve.streams': JSON.stringify(streams) }), silentLogger));
    context = (await resources.add(launchChromium())).context;
  });

  after(async () => {
    await resources.closeAll();
  });

  it('the index links each camera; following a link plays that camera (its own size) with the token carried', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(serve.server.viewerUrl);
    assert.deepEqual(await page.locator('li a').allTextContents(), ['front', 'rear']);
    await page.click('text=rear');
    await page.waitForFunction(() => Number(document.getElementById('frames-drawn')?.dataset.value) >= 5, undefined, { timeout: 100000, polling: 250 });
    assert.equal(new URL(page.url()).pathname, '/s/rear/');
    assert.equal(await page.evaluate(CANVAS_SIZE_JS), '256x144', 'the rear camera, not the front one');
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'open');
    assert.deepEqual(errors, []);
    // Its viewer counts on its own stream only.
    assert.equal(serve.streams.find((s) => s.name === 'rear')?.hub.viewerCount, 1);
    assert.equal(serve.streams.find((s) => s.name === 'front')?.hub.viewerCount, 0);
    await page.close();
  });
});
