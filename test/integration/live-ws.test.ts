import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServe, type ServeHandle } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { FLAG_KEY, KIND_MAPS, KIND_VIDEO, TRACK_ORIGINAL, TRACK_RESTORED, decodeHeader, HEADER_BYTES } from '../../src/server/protocol.js';
import { TestViewer, liveTestConfig, setFfmpegLogLevel, waitFor } from '../helpers/live.js';
import { decodeVideo } from '../helpers/media-tools.js';
import { Resources } from '../helpers/resources.js';

const TMP = path.join('test', '.tmp', 'live-ws');

function videoOf(viewer: TestViewer, track: number) {
  return viewer.binaries().map((b) => ({ header: decodeHeader(b), body: b.subarray(HEADER_BYTES) })).filter((m) => m.header?.kind === KIND_VIDEO && m.header.track === track);
}

describe('live: f2d serve end to end with real ws viewers', function () {
  this.timeout(90000);
  let serve: ServeHandle;
  let wsUrl: string;
  const resources = new Resources();

  before(async () => {
    setFfmpegLogLevel('quiet');
    mkdirSync(TMP, { recursive: true });
    serve = await resources.add(startServe(liveTestConfig({ 'serve.token': 'test-token-123' }), silentLogger));
    wsUrl = `${serve.server.url.replace('http', 'ws')}/ws?token=test-token-123`;
  });

  // A test that fails half-way must not leave its viewers to the next one.
  afterEach(() => TestViewer.dropAll());
  after(async () => {
    await resources.closeAll();
    rmSync(TMP, { recursive: true, force: true });
  });

  it('a viewer joining mid-stream gets hello, then each track starts with its codec config and a key frame', async () => {
    const first = await TestViewer.connect(wsUrl);
    await waitFor('10 restored frames for the first viewer', () => videoOf(first, TRACK_RESTORED).length >= 10, 30000);
    const late = await TestViewer.connect(wsUrl);
    await waitFor('15 restored frames for the late viewer', () => videoOf(late, TRACK_RESTORED).length >= 15, 30000);
    assert.equal(late.received[0]?.kind, 'json');
    assert.equal((late.received[0]?.value as Record<string, unknown>).type, 'hello');
    for (const track of [TRACK_RESTORED, TRACK_ORIGINAL]) {
      const name = track === TRACK_RESTORED ? 'restored' : 'original';
      const firstVideo = late.received.findIndex((r) => r.kind === 'binary' && decodeHeader(r.value)?.kind === KIND_VIDEO && decodeHeader(r.value)?.track === track);
      const config = late.received.findIndex((r) => r.kind === 'json' && r.value.type === 'config' && r.value.track === name);
      assert.ok(config >= 0 && config < firstVideo, `${name}: config (${config}) before the first frame (${firstVideo})`);
      assert.match(String((late.received[config]?.value as Record<string, unknown>).codec), /^avc1\.42/);
      const frames = videoOf(late, track);
      assert.ok(((frames[0]?.header?.flags ?? 0) & FLAG_KEY) !== 0, `${name}: the first frame is a key frame`);
      // The key frame was forced for this viewer: it did not wait for the 10 s key interval.
      const seqs = frames.map((f) => f.header?.seq ?? 0);
      assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, 'frames in order');
    }
    // What the late viewer got is a decodable H.264 stream on its own.
    const file = path.join(TMP, 'late-restored.h264');
    const restored = videoOf(late, TRACK_RESTORED);
    writeFileSync(file, Buffer.concat(restored.map((f) => f.body)));
    const decoded = decodeVideo(file);
    assert.equal(decoded.frames, restored.length);
    assert.deepEqual([decoded.width, decoded.height], [320, 240]);
    // Parser maps arrive too (the tiny model returns them on parse frames).
    await waitFor('parser maps', () => late.binaries().some((b) => decodeHeader(b)?.kind === KIND_MAPS));
    await first.close();
    await late.close();
  });

  it('a viewer that reconnects starts again at a key frame', async () => {
    const v1 = await TestViewer.connect(wsUrl);
    await waitFor('frames', () => videoOf(v1, TRACK_RESTORED).length >= 3, 30000);
    await v1.close();
    const v2 = await TestViewer.connect(wsUrl);
    await waitFor('frames after reconnect', () => videoOf(v2, TRACK_RESTORED).length >= 3, 30000);
    assert.ok(((videoOf(v2, TRACK_RESTORED)[0]?.header?.flags ?? 0) & FLAG_KEY) !== 0);
    // The gauge is read asynchronously: each poll looks at what the previous one read.
    let viewers: number | undefined;
    await waitFor('viewer count back to 1', () => {
      void serve.metrics.registry.value('f2d_viewers').then((v) => (viewers = v));
      return viewers === 1;
    });
    await v2.close();
  });

  it('answers pings and rejects bad messages, then disconnects a viewer that keeps sending them', async () => {
    const v = await TestViewer.connect(wsUrl);
    v.ws.send(JSON.stringify({ type: 'ping', id: 1, t: 5 }));
    await waitFor('pong', () => v.json('pong').length === 1);
    assert.equal(v.json('pong')[0]?.t, 5);
    v.ws.send('not json');
    v.ws.send(JSON.stringify({ type: 'admin', cmd: 'stop' }));
    v.ws.send(Buffer.from([1, 2, 3]));
    await waitFor('3 errors', () => v.json('error').length === 3);
    assert.deepEqual(v.json('error').map((e) => e.code), ['ERR_WS_BAD_MESSAGE', 'ERR_WS_BAD_MESSAGE', 'ERR_WS_BAD_MESSAGE']);
    assert.match(String(v.json('error')[1]?.message), /allowed types: ping, subscribe, report/);
    v.ws.send('{');
    v.ws.send('{');
    await waitFor('close 1008', () => v.closeCode === 1008);
    assert.ok(((await serve.metrics.registry.value('f2d_ws_bad_messages_total')) ?? 0) >= 5);
  });

  it('closes a viewer that sends an oversized message (1009)', async () => {
    const v = await TestViewer.connect(wsUrl);
    v.ws.send(JSON.stringify({ type: 'ping', id: 1, t: 0, pad: 'x'.repeat(10000) }));
    await waitFor('close 1009', () => v.closeCode === 1009);
  });

  it('refuses a wrong token and a foreign Origin; serves /healthz and /metrics (token-protected)', async () => {
    // A wrong token is told with a close code the viewer page can read (a refused handshake shows as 1006).
    const refused = await TestViewer.connect(wsUrl.replace('test-token-123', 'wrong'));
    await waitFor('close 4401', () => refused.closeCode === 4401);
    await assert.rejects(TestViewer.connect(wsUrl, { headers: { Origin: 'https://evil.example' } }), /403/);
    const health = await fetch(`${serve.server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { state: string }).state, 'live');
    assert.equal((await fetch(`${serve.server.url}/metrics`)).status, 401);
    const metrics = await (await fetch(`${serve.server.url}/metrics?token=test-token-123`)).text();
    for (const name of ['f2d_frames_in_total', 'f2d_frames_out_total', 'f2d_frames_dropped_total', 'f2d_fps', 'f2d_stage_latency_seconds', 'f2d_viewers']) {
      assert.match(metrics, new RegExp(`^${name}`, 'm'));
    }
    assert.match(metrics, /^f2d_frames_out_total [1-9]\d*$/m);
    assert.equal((await fetch(`${serve.server.url}/viewer/..%2f..%2fpackage.json`)).status, 404);
    assert.equal((await fetch(`${serve.server.url}/`)).status, 200);
    assert.equal((await fetch(`${serve.server.url}/`, { method: 'POST' })).status, 405);
  });
});
