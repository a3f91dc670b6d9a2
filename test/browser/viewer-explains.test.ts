import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { MetricsRegistry } from '../../src/prometheus.js';
import { LiveServer, defaultViewerDir } from '../../src/server/live-server.js';
import { StreamHub } from '../../src/server/stream-hub.js';
import { launchChromium } from '../helpers/chromium.js';
import { requires } from '../helpers/requires.js';
import { Resources } from '../helpers/resources.js';

/**
 * The viewer page in Chromium against a server with a token and no pipeline
 * (cheap): a missing or wrong token is said in words, once, and the page stops
 * retrying; the status line is announced; the canvas description and the
 * captions follow the view mode; the weights are meters.
 */
const TOKEN = 'browser-token-123';

describe('browser: the viewer explains itself', function () {
  this.timeout(60000);
  let server: LiveServer;
  let context: BrowserContext;
  const resources = new Resources();

  before(async function () {
    requires(this, 'chromium');
    const hub = new StreamHub({ maxBufferedBytes: 1 << 20, keyRequestIntervalMs: 0, maxBadMessages: 5, hello: { source: 'file', sourceLabel: 'drive.mp4', pipeline: 'test' } });
    server = await resources.add(LiveServer.listen({ host: '127.0.0.1', port: 0, token: TOKEN, viewerDir: defaultViewerDir(), streams: [{ name: 'main', hub, metrics: new MetricsRegistry({ processMetrics: false }), health: () => ({ ok: true }) }] }));
    context = (await resources.add(launchChromium())).context;
  });

  after(async () => {
    await resources.closeAll();
  });

  /** Opens the viewer at `query`, counting the WebSocket connections it makes. */
  async function open(query: string): Promise<{ page: Page; sockets: () => number }> {
    const page = await context.newPage();
    let sockets = 0;
    page.on('websocket', () => (sockets += 1));
    await page.goto(`${server.url}/${query}`);
    return { page, sockets: () => sockets };
  }

  for (const [query, words] of [
    ['', /needs a token/],
    ['?token=wrong-token', /token in this page’s address was rejected/],
  ] as const) {
    it(`says "${words.source}" for ${query === '' ? 'a missing token' : 'a wrong token'}, and stops retrying`, async () => {
      const { page, sockets } = await open(query);
      await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'unauthorized', undefined, { timeout: 15000 });
      const status = page.locator('#status');
      assert.match((await status.textContent()) ?? '', words);
      assert.equal(await status.getAttribute('role'), 'status');
      // The first retry would come after 0.5 s: wait longer, and see none.
      await page.waitForTimeout(1500);
      assert.equal(sockets(), 1, 'one connection, no retry loop');
      assert.equal(await page.locator('#status').getAttribute('data-state'), 'unauthorized');
      await page.close();
    });
  }

  it('names the source, describes the view mode, and shows the weights as meters', async () => {
    const { page } = await open(`?token=${TOKEN}`);
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'open', undefined, { timeout: 15000 });
    assert.equal(await page.locator('#source').textContent(), 'drive.mp4 · test');
    const canvas = page.locator('#video');
    assert.match((await canvas.getAttribute('aria-label')) ?? '', /split: original left of the line/);
    await page.selectOption('#mode', 'restored');
    assert.equal(await canvas.getAttribute('aria-label'), 'Live video: restored only.');
    assert.deepEqual(await page.locator('#view-captions span').allTextContents(), ['restored']);
    await page.selectOption('#overlay', '2');
    assert.equal(await canvas.getAttribute('aria-label'), 'Live video: restored only, with the rain map over it.');
    assert.equal(await page.locator('meter#weight-rain').count(), 1);
    assert.equal(await page.locator('label[for="weight-rain"]').textContent(), 'rain');
    await page.close();
  });
});
