import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { MetricsRegistry } from '../../src/prometheus.js';
import { LiveServer, defaultViewerDir } from '../../src/server/live-server.js';
import { StreamHub } from '../../src/server/stream-hub.js';

/**
 * The server's guards with real sockets and no pipeline (cheap): the token
 * (said with a close code the viewer page can read), the Host check against
 * DNS rebinding, and a viewer flooding with valid pings.
 */
const TOKEN = 'test-token-123';

/** A raw ws client; `closed` resolves with the close code and reason. */
function connect(url: string, headers: Record<string, string> = {}): { ws: WebSocket; opened: Promise<void>; closed: Promise<{ code: number; reason: string }> } {
  const ws = new WebSocket(url, { headers });
  sockets.add(ws);
  ws.on('error', () => undefined);
  const closed = once(ws, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      // With this listener ws leaves the refused request open: end it, so `closed` resolves (1006).
      ws.terminate();
    });
    ws.once('error', reject);
  });
  opened.catch(() => undefined); // a test that only awaits `closed` must not leave an unhandled rejection
  return { ws, opened, closed };
}
const sockets = new Set<WebSocket>();

/** GET `path` with a given Host header (fetch cannot set Host). */
function get(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live: server guards (token close codes, Host check, ping flood)', function () {
  this.timeout(30000);
  let server: LiveServer;
  let hub: StreamHub;
  let ws: string;
  let port: number;

  before(async () => {
    hub = new StreamHub({ maxBufferedBytes: 1 << 20, keyRequestIntervalMs: 0, maxBadMessages: 5, hello: {} });
    const health = () => ({ ok: true, state: 'live', source: 'rtsp://admin:***@10.0.0.2/s1', viewers: hub.viewerCount });
    server = await LiveServer.listen({ host: '127.0.0.1', port: 0, token: TOKEN, viewerDir: defaultViewerDir(), streams: [{ name: 'main', hub, metrics: new MetricsRegistry({ processMetrics: false }), health }] });
    ws = `${server.url.replace('http', 'ws')}/ws`;
    port = Number(new URL(server.url).port);
  });

  afterEach(() => {
    for (const s of sockets) s.terminate();
    sockets.clear();
  });

  after(async () => {
    await server?.close();
  });

  it('closes a viewer without a token with 4401 "token required", and a wrong one with 4401 "token rejected"', async () => {
    const missing = connect(ws);
    assert.deepEqual(await missing.closed, { code: 4401, reason: 'token required' });
    const wrong = connect(`${ws}?token=wrong-token`);
    assert.deepEqual(await wrong.closed, { code: 4401, reason: 'token rejected' });
    assert.equal(hub.viewerCount, 0, 'neither reached the stream');
    const right = connect(`${ws}?token=${TOKEN}`);
    await right.opened;
    assert.equal(hub.viewerCount, 1);
  });

  it('refuses a WebSocket and HTTP requests for a host name it does not serve (421), as DNS rebinding would send', async () => {
    const rebinding = connect(`${ws}?token=${TOKEN}`, { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` });
    await assert.rejects(rebinding.opened, /HTTP 421/);
    for (const path of ['/', '/healthz', `/metrics?token=${TOKEN}`]) {
      const res = await get(server.url, path, `evil.example:${port}`);
      assert.equal(res.status, 421, path);
      assert.match(res.body, /host "evil\.example" is not served here.*serve\.allowedHosts/);
    }
    assert.equal((await get(server.url, '/healthz', `localhost:${port}`)).status, 200);
    assert.equal((await get(server.url, '/healthz', `127.0.0.1:${port}`)).status, 200);
    const local = connect(`${ws}?token=${TOKEN}`, { Host: `localhost:${port}`, Origin: `http://localhost:${port}` });
    await local.opened;
  });

  it('closes a viewer that floods with valid pings (1008, saying why); another viewer still gets answers', async () => {
    const flooder = connect(`${ws}?token=${TOKEN}`);
    const other = connect(`${ws}?token=${TOKEN}`);
    await Promise.all([flooder.opened, other.opened]);
    for (let id = 1; id <= 5000; id++) flooder.ws.send(JSON.stringify({ type: 'ping', id, t: id }));
    const notClosed = new Promise((resolve) => setTimeout(() => resolve({ code: -1, reason: 'still open after 10 s' }), 10000).unref());
    assert.deepEqual(await Promise.race([flooder.closed, notClosed]), { code: 1008, reason: 'too many messages: at most 20 a second' });
    const pong = once(other.ws, 'message');
    other.ws.send(JSON.stringify({ type: 'ping', id: 1, t: 1 }));
    const [data] = await pong;
    assert.equal((JSON.parse(String(data)) as { type: string }).type, 'pong');
  });

  it('answers /healthz to any probe, with the details only for the token', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { ok: true, state: 'live' });
    assert.deepEqual(await (await fetch(`${server.url}/healthz?token=${TOKEN}`)).json(), { ok: true, state: 'live', source: 'rtsp://admin:***@10.0.0.2/s1', viewers: 0 });
  });

  it('serves /metrics in the Prometheus text format from its own registry', async () => {
    const res = await fetch(`${server.url}/metrics?token=${TOKEN}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  });
});
