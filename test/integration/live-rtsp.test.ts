import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { reconnectWithBackoff } from '../../src/live/operators/reconnect.js';
import { sourceFrames$ } from '../../src/live/sources/source-frames.js';
import { parseSourceUri } from '../../src/live/sources/source-uri.js';
import type { LiveFrame } from '../../src/live/types.js';
import { makeClip } from '../helpers/clips.js';
import { TestRtspServer } from '../helpers/rtsp-server.js';
import { SAMPLE_CLIP, setFfmpegLogLevel, waitFor, within } from '../helpers/live.js';
import { decodeVideo } from '../helpers/media-tools.js';

const CLIP = 'test/fixtures/media/city-night-640x360.mp4';
const TMP = path.join('test', '.tmp', 'live-sources');

describe('live sources: RTSP (real server), HLS over HTTP, a source dying and coming back', function () {
  this.timeout(90000);
  before(() => {
    setFfmpegLogLevel('quiet');
    mkdirSync(TMP, { recursive: true });
  });
  after(() => rmSync(TMP, { recursive: true, force: true }));

  it('reads RTSP over TCP, then reconnects with back-off when the server dies and comes back', async () => {
    let server = await TestRtspServer.start(CLIP);
    const port = server.port;
    const frames: LiveFrame[] = [];
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    const spec = parseSourceUri(server.url);
    const sub: Subscription = sourceFrames$(spec, { loop: false, width: 320, height: 180 })
      .pipe(reconnectWithBackoff({ initialDelayMs: 100, maxDelayMs: 400, onReconnect: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }) }))
      .subscribe({ next: (f) => frames.push(f), error: (err: unknown) => assert.fail(`source failed: ${(err as Error).message}`) });
    try {
      await waitFor('25 RTSP frames', () => frames.length >= 25, 30000);
      const first = frames[0];
      assert.ok(first !== undefined);
      assert.equal(first.width, 320);
      assert.equal(first.data.length, 320 * 180 * 3);
      // Real time: 25 frames of a 25 fps feed take about a second (arrival pacing).
      const span = (frames[24]?.captureMs ?? 0) - first.captureMs;
      assert.ok(span > 600 && span < 3000, `25 frames over ${span.toFixed(0)} ms`);

      await server.stop();
      const before = frames.length;
      // Down for a while: several attempts, with growing waits.
      await waitFor('3 reconnect attempts while the camera is down', () => retries.length >= 3, 20000);
      server = await TestRtspServer.start(CLIP, port);
      await waitFor('frames again after the camera came back', () => frames.length >= before + 25, 40000);
      const delays = retries.map((r) => r.delayMs);
      assert.deepEqual(delays.slice(0, 3), [100, 200, 400]);
      const seqs = frames.map((f) => f.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => i), 'sequence numbers keep counting across the reconnect');
    } finally {
      sub.unsubscribe();
      await server.stop();
    }
  });

  it('plays an HLS playlist over HTTP at its own frame rate', async () => {
    const dir = path.join(TMP, 'hls');
    mkdirSync(dir, { recursive: true });
    makeClip(path.join(dir, 'index.m3u8'), { width: 160, height: 120, fps: 10, seconds: 3, gop: 10, format: 'hls', muxerOptions: { hls_time: '1', hls_playlist_type: 'vod' } });
    assert.ok(readdirSync(dir).some((f) => f.endsWith('.ts')));
    const http = createServer((req, res) => {
      const file = path.join(dir, path.basename(req.url ?? ''));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      readFile(file).then((body) => res.writeHead(200).end(body), () => res.writeHead(500).end());
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const frames: LiveFrame[] = [];
    let sub: Subscription | undefined;
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/index.m3u8`;
      const spec = parseSourceUri(url);
      assert.equal(spec.kind, 'http');
      const ended = new Promise<void>((resolve, reject) => {
        sub = sourceFrames$(spec, { loop: false }).subscribe({ next: (f) => frames.push(f), error: reject, complete: resolve });
      });
      await within('the end of the playlist', ended, 30000);
    } finally {
      sub?.unsubscribe();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
    assert.equal(frames.length, 30, '3 s at 10 fps');
    const span = (frames[29]?.captureMs ?? 0) - (frames[0]?.captureMs ?? 0);
    assert.ok(span > 2500 && span < 4500, `played in real time: ${span.toFixed(0)} ms for 2.9 s of video`);
  });

  it('loops a file source at its own frame rate', async () => {
    const perLoop = decodeVideo(SAMPLE_CLIP).frames;
    const frames: LiveFrame[] = [];
    // Nothing between subscribing and the try: a throw there would leave the source playing and mocha running.
    const sub = sourceFrames$(parseSourceUri(SAMPLE_CLIP), { loop: true, width: 160, height: 120 }).subscribe((f) => frames.push(f));
    try {
      await waitFor('more frames than the clip has', () => frames.length > perLoop + 5, 60000);
    } finally {
      sub.unsubscribe();
    }
    const gaps = frames.slice(1).map((f, i) => f.captureMs - (frames[i]?.captureMs ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(mean > 80 && mean < 130, `10 fps clip played at one frame per ${mean.toFixed(1)} ms, across the loop`);
  });

  it('opens a V4L2 camera', async function () {
    const devices = existsSync('/dev') ? readdirSync('/dev').filter((d) => /^video\d+$/.test(d)) : [];
    if (devices.length === 0) this.skip(); // no V4L2 device on this machine (needs a camera or v4l2loopback)
    const frames: LiveFrame[] = [];
    const sub = sourceFrames$(parseSourceUri(`/dev/${devices[0]}`), { loop: false, width: 320, height: 240 }).subscribe((f) => frames.push(f));
    try {
      await waitFor('camera frames', () => frames.length >= 5, 20000);
    } finally {
      sub.unsubscribe();
    }
  });
});
