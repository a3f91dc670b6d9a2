import assert from 'node:assert/strict';
import { LiveServer, defaultViewerDir } from '../../src/server/live-server.js';
import { MetricsRegistry } from '../../src/prometheus.js';
import { FLAG_KEY, decodeHeader } from '../../src/server/protocol.js';
import { StreamHub } from '../../src/server/stream-hub.js';
import { TestViewer, waitFor } from '../helpers/live.js';

/**
 * Backpressure with real sockets: one viewer stops reading (its TCP window
 * fills), the other keeps up. The hub is driven directly with 256 KB access
 * units so the kernel buffers fill in a fraction of a second.
 */
describe('live: a slow viewer skips to the next key frame without slowing the others', function () {
  this.timeout(60000);
  /** Closed after the test, passed or failed: an open server or a paused viewer would keep mocha running. */
  let openServer: LiveServer | null = null;
  afterEach(async () => {
    TestViewer.dropAll();
    await openServer?.close();
    openServer = null;
  });

  it('the fast viewer gets every frame; the slow one resumes on a key frame after a gap', async () => {
    const keyRequests: string[] = [];
    const skips: string[] = [];
    const hub = new StreamHub(
      { maxBufferedBytes: 1 << 20, keyRequestIntervalMs: 0, maxBadMessages: 5, hello: {} },
      { onKeyFrameNeeded: (t) => keyRequests.push(t), onSkip: (r) => skips.push(r) },
    );
    const server = await LiveServer.listen({ host: '127.0.0.1', port: 0, token: null, viewerDir: defaultViewerDir(), streams: [{ name: 'main', hub, metrics: new MetricsRegistry(), health: () => ({ ok: true }) }] });
    openServer = server;
    const url = `${server.url.replace('http', 'ws')}/ws`;
    const fast = await TestViewer.connect(url);
    const slow = await TestViewer.connect(url);
    await waitFor('two viewers', () => hub.viewerCount === 2);
    const raw = (slow.ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const payload = Buffer.alloc(256 * 1024, 7);
    const total = 120;
    for (let seq = 0; seq < total; seq++) {
      const key = seq % 20 === 0;
      hub.publishVideo({ track: 'restored', data: payload, key, passThrough: false, seq, captureMs: seq, config: key ? { codec: 'avc1.42c01e', width: 64, height: 64 } : null });
      // Let the event loop flush sockets between frames, as a live source does.
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('the fast viewer got every frame', () => fast.binaries().length === total, 30000);
    assert.deepEqual(fast.binaries().map((b) => decodeHeader(b)?.seq), Array.from({ length: total }, (_, i) => i));
    assert.ok(skips.includes('backpressure'), 'the slow viewer was cut back to waiting for a key frame');
    assert.ok(keyRequests.length >= 2, 'and a key frame was asked for it');
    raw.resume();
    // After draining, the next key frame starts it again.
    for (let seq = total; seq < total + 40; seq++) {
      const key = seq % 20 === 0;
      hub.publishVideo({ track: 'restored', data: payload.subarray(0, 1000), key, passThrough: false, seq, captureMs: seq, config: null });
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('slow viewer frames after the gap', () => slow.binaries().some((b) => (decodeHeader(b)?.seq ?? 0) >= total));
    const seqs = slow.binaries().map((b) => decodeHeader(b));
    const received = seqs.map((h) => h?.seq ?? -1);
    assert.ok(received.length < total + 40, `the slow viewer skipped frames (${received.length} received)`);
    // Every time its sequence jumps, it restarts on a key frame.
    for (let i = 1; i < seqs.length; i++) {
      if ((seqs[i]?.seq ?? 0) !== (seqs[i - 1]?.seq ?? 0) + 1) assert.ok(((seqs[i]?.flags ?? 0) & FLAG_KEY) !== 0, `after a gap at ${seqs[i]?.seq} comes a key frame`);
    }
    await fast.close();
    await slow.close();
    await server.close();
    await server.close();
  });
});
