/** Helpers for the live integration and browser tests. */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

/** The tiny F2D-Net fixture: same inputs and outputs as the real model. */
export const TINY_MODEL = 'test/fixtures/models/f2d-tiny';
/** A 640x480, 10 fps street clip. */
export const SAMPLE_CLIP = 'test/fixtures/media/sample-street.mp4';

/** The project's config with test settings (ephemeral port, tiny model, small frames) and `extra` on top. */
export function liveTestConfig(extra: Record<string, string | number | boolean> = {}): Config {
  const flags = Object.entries({
    'model.dir': TINY_MODEL,
    'model.threads': 1,
    'serve.source': SAMPLE_CLIP,
    'serve.loop': true,
    'serve.port': 0,
    'serve.width': 320,
    'serve.height': 240,
    'serve.parserInterval': 4,
    'serve.encoder.keyIntervalSec': 10,
    'log.level': 'silent',
    ...extra,
  }).map(([key, value]) => ({ key, value: typeof value === 'number' ? String(value) : value, flag: `--set ${key}` }));
  return loadConfig({ flags }).config;
}

/** A received message, as a test client sees it. */
export type Received = { kind: 'json'; value: Record<string, unknown> } | { kind: 'binary'; value: Buffer };

/** A real ws client that records everything it receives. */
export class TestViewer {
  /** Viewers not closed yet, for {@link TestViewer.dropAll}. */
  static readonly #open = new Set<TestViewer>();
  readonly received: Received[] = [];
  closeCode: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      this.received.push(isBinary ? { kind: 'binary', value: buf } : { kind: 'json', value: JSON.parse(buf.toString('utf8')) as Record<string, unknown> });
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      TestViewer.#open.delete(this);
    });
  }

  static async connect(url: string, options: { headers?: Record<string, string> } = {}): Promise<TestViewer> {
    const ws = new WebSocket(url, options);
    const viewer = new TestViewer(ws);
    TestViewer.#open.add(viewer);
    try {
      await once(ws, 'open');
    } catch (err) {
      ws.terminate();
      TestViewer.#open.delete(viewer);
      throw err;
    }
    return viewer;
  }

  /**
   * Drops every viewer still open, without a closing handshake (a paused one would
   * never answer it). For `afterEach`: a test that fails half-way leaves no socket
   * keeping mocha alive.
   */
  static dropAll(): void {
    for (const viewer of TestViewer.#open) viewer.ws.terminate();
    TestViewer.#open.clear();
  }

  json(type: string): Array<Record<string, unknown>> {
    return this.received.filter((r): r is Extract<Received, { kind: 'json' }> => r.kind === 'json' && r.value.type === type).map((r) => r.value);
  }

  binaries(): Buffer[] {
    return this.received.filter((r): r is Extract<Received, { kind: 'binary' }> => r.kind === 'binary').map((r) => r.value);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }
}

/** Polls `check` every 20 ms until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 15000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `promise`, or a rejection naming `what` after `timeoutMs`: a test awaiting it
 * always reaches its finally (and its cleanup), even when what it waits for never comes.
 */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 15000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { setFfmpegLogLevel } from '../../src/media/index.js';
