import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { startServe, type ServeHandle } from '../../src/jobs/serve-live.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { LivePublisher } from '../../src/media/live/index.js';
import { KIND_VIDEO, TRACK_RESTORED, decodeHeader } from '../../src/server/protocol.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import { TestViewer, liveTestConfig, setFfmpegLogLevel, waitFor } from '../helpers/live.js';
import { TestMediaServer, type MediaServerKind } from '../helpers/media-server.js';
import { freePort } from '../helpers/redis-server.js';
import { Resources } from '../helpers/resources.js';

/** Small frames, a key frame every second, quick retries. */
function publishConfig(url: string) {
  return liveTestConfig({
    'serve.publish': url,
    'serve.width': 160,
    'serve.height': 120,
    'serve.encoder.keyIntervalSec': 1,
    'serve.reconnect.initialDelayMs': 200,
    'serve.reconnect.maxDelayMs': 400,
  });
}

const metric = (serve: ServeHandle, name: string): Promise<number> => serve.metrics.registry.value(name).then((v) => v ?? 0);

/** Restored video messages a viewer got. */
function restoredFrames(viewer: TestViewer): number {
  return viewer.binaries().filter((b) => {
    const header = decodeHeader(b);
    return header?.kind === KIND_VIDEO && header.track === TRACK_RESTORED;
  }).length;
}

describe('live: --publish of the restored stream to a media server', function () {
  this.timeout(120000);
  // One set per test: a Resources closes what is added after its closeAll.
  let resources: Resources;
  before(() => setFfmpegLogLevel('quiet'));
  beforeEach(() => {
    resources = new Resources();
  });
  afterEach(async () => {
    TestViewer.dropAll();
    await resources.closeAll();
  });

  for (const kind of ['rtsp', 'rtmp'] as const satisfies readonly MediaServerKind[]) {
    it(`${kind}: the server receives the restored H.264, key frame first, right size, timestamps increasing`, async () => {
      const server = await resources.add(TestMediaServer.start(kind));
      const serve = await resources.add(startServe(publishConfig(server.url), silentLogger));
      await waitFor(`30 packets at the ${kind} server`, () => server.received.length >= 30, 60000);
      await serve.close();
      const received = server.received;
      assert.equal(received[0]?.key, true, 'the stream starts at a key frame');
      const sps = server.sps;
      assert.ok(sps !== null, 'the key frame carries an SPS');
      assert.deepEqual([sps.width, sps.height], [160, 120]);
      assert.match(sps.codec, /^avc1\./);
      const pts = received.map((p) => p.pts).filter((p): p is bigint => p !== null);
      assert.ok(pts.length >= received.length - 2, `timestamps on (nearly) every packet: ${pts.length} of ${received.length}`);
      for (let i = 1; i < pts.length; i++) assert.ok(pts[i]! > pts[i - 1]!, `pts ${pts[i]} after ${pts[i - 1]} (packet ${i})`);
      const published = await metric(serve, 'f2d_publish_frames_total');
      assert.ok(published >= received.length, `f2d_publish_frames_total ${published} counts what the server got (${received.length})`);
      assert.equal(await metric(serve, 'f2d_publish_reconnects_total'), 0);
    });
  }

  it('rtsp: a server that is down never holds up the viewers; publishing starts once it is up', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const log = createLogger('test', 'warn', (line, level) => level === 'warn' && warnings.push(line));
    const serve = await resources.add(startServe(publishConfig(`rtsp://127.0.0.1:${port}/live/restored`), log));
    const viewer = await TestViewer.connect(`${serve.server.url.replace('http', 'ws')}/ws`);
    // Nothing listens: frames are dropped and counted, a warning names the server, and the live stream goes on.
    await waitFor('a publish warning', () => warnings.some((w) => /publishing to rtsp:\/\/127\.0\.0\.1:\d+\/live\/restored: .*retrying in \d+ ms/.test(w)), 30000);
    const shown = restoredFrames(viewer);
    await waitFor('the viewer still gets frames', () => restoredFrames(viewer) >= shown + 10, 30000);
    await waitFor('a second failed attempt', () => warnings.length >= 2, 30000);
    assert.ok((await metric(serve, 'f2d_publish_dropped_total')) > 0, 'drops are counted');
    assert.ok((await metric(serve, 'f2d_publish_reconnects_total')) >= 1, 'retries are counted');
    assert.equal(await metric(serve, 'f2d_publish_up'), 0);
    assert.equal(serve.run.status().state, 'live');
    // /healthz says so, and stays 200: the viewers are served.
    const down = await fetch(`${serve.server.url}/healthz`);
    assert.equal(down.status, 200);
    const downBody = (await down.json()) as { publish: { target: string; state: string; lastError: string | null } };
    assert.equal(downBody.publish.target, `rtsp://127.0.0.1:${port}/live/restored`);
    assert.match(downBody.publish.state, /^(down|connecting)$/);

    // The server comes up on that port: the next try connects, at a key frame.
    const server = await resources.add(TestMediaServer.start('rtsp', port));
    await waitFor('20 packets at the server once it is up', () => server.received.length >= 20, 30000);
    assert.equal(server.received[0]?.key, true, 'publishing resumes at a key frame');
    assert.equal(await metric(serve, 'f2d_publish_up'), 1);
    const up = (await (await fetch(`${serve.server.url}/healthz`)).json()) as { publish: { state: string; lastError: string | null } };
    assert.deepEqual(up.publish, { ...up.publish, state: 'up', lastError: null });
    const restored = restoredFrames(viewer);
    await waitFor('the viewer still gets frames', () => restoredFrames(viewer) >= restored + 5, 30000);
  });

  it('rtmp: a server that goes away mid-stream is reported, and the stream is published again when it is back', async () => {
    const first = await resources.add(TestMediaServer.start('rtmp'));
    const warnings: string[] = [];
    const log = createLogger('test', 'warn', (line, level) => level === 'warn' && warnings.push(line));
    const serve = await resources.add(startServe(publishConfig(first.url), log));
    await waitFor('10 packets at the first server', () => first.received.length >= 10, 60000);
    await first.stop();
    await waitFor('a warning that the server went away', () => warnings.some((w) => /publishing to rtmp:\/\/127\.0\.0\.1:\d+\/live\/\*\*\*: /.test(w)), 30000);
    const again = await resources.add(TestMediaServer.start('rtmp', first.port));
    await waitFor('10 packets at the server once it is back', () => again.received.length >= 10, 30000);
    assert.equal(again.received[0]?.key, true);
    assert.ok((await metric(serve, 'f2d_publish_reconnects_total')) >= 1);
    assert.ok(!warnings.join('\n').includes('/live/restored'), 'the RTMP stream key stays out of the logs');
  });

  it('a server that accepts but never answers: RTSP gives up and retries, RTMP is reported as stalled; f2d serve still closes', async () => {
    const silent = await resources.add(SilentServer.start());
    const warnings: string[] = [];
    const log = createLogger('test', 'warn', (line, level) => level === 'warn' && warnings.push(line));
    const rtsp = await resources.add(startServe(publishConfig(`rtsp://127.0.0.1:${silent.port}/live/restored`), log));
    await waitFor('the RTSP connection given up', () => warnings.some((w) => /publishing to rtsp:.*: no answer for 5 s; dropping frames, retrying in \d+ ms/.test(w)), 20000);
    assert.equal(rtsp.run.status().state, 'live');
    await rtsp.close();
    warnings.length = 0;
    const rtmp = await resources.add(startServe(publishConfig(`rtmp://127.0.0.1:${silent.port}/live/restored`), log));
    await waitFor('a stall warning', () => warnings.some((w) => /publishing to rtmp:.*: the server has not answered for \d+ ms/.test(w)), 20000);
    assert.ok((await metric(rtmp, 'f2d_publish_dropped_total')) > 0);
    const closing = Date.now();
    await rtmp.close();
    assert.ok(Date.now() - closing < 10000, 'closing does not wait for the stuck connection');
    // The server goes: the stuck RTMP handshake fails and frees its thread.
    await silent.close();
  });

  it('LivePublisher: a bad scheme is refused at creation; close twice; write after close is refused', async () => {
    await assert.rejects(LivePublisher.create({ url: 'http://127.0.0.1/x', width: 16, height: 16, backoff: { initialDelayMs: 10, maxDelayMs: 10 } }), (err: Error & { code?: string }) => err.code === 'ERR_PUBLISH_URL');
    // f2d serve fails at startup, before any frame, rather than dropping every frame later.
    await assert.rejects(startServe(publishConfig('srt://127.0.0.1:9000'), silentLogger, async () => new IdentityRestorer()), (err: Error & { code?: string }) => err.code === 'ERR_PUBLISH_URL');
    const publisher = await LivePublisher.create({ url: 'rtsp://127.0.0.1:9/x', width: 16, height: 16, backoff: { initialDelayMs: 10, maxDelayMs: 10 } });
    await publisher.close();
    await publisher.close();
    assert.throws(() => publisher.write(Buffer.alloc(4), true, 0), /publisher is closed/);
  });
});

/** Accepts TCP connections and never answers: a media server that hangs. */
class SilentServer {
  readonly #sockets = new Set<Socket>();
  private constructor(
    readonly port: number,
    readonly server: ReturnType<typeof createServer>,
  ) {}

  static async start(): Promise<SilentServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const silent = new SilentServer((server.address() as { port: number }).port, server);
    server.on('connection', (socket) => {
      silent.#sockets.add(socket);
      socket.on('error', () => undefined);
    });
    return silent;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
