/** Headless Debian Chromium for the browser tests (driven by playwright-core). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM } from './requires.js';

/** No sandbox (containers), no GPU, no QUIC, nothing that phones home or updates itself. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A running browser: its context, and `close()`, which also removes its profile folder. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile folder (for `Resources.add`). */
export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'f2d-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
