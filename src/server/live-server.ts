/**
 * The HTTP + WebSocket server of `f2d serve`: the viewer page, `/ws`,
 * `/metrics` (Prometheus text) and `/healthz`.
 *
 * Each live stream has its pages under `/s/<name>/` (viewer, `ws`, `metrics`,
 * `healthz`). The first stream is also served at `/` and `/ws`, so a
 * one-camera server keeps its short URLs; with several, `/` lists them,
 * `/metrics` has every stream's series (labelled `stream="<name>"`) and
 * `/healthz` is healthy only when every stream is.
 *
 * Guards, in order: the `Host` header must name this server (421 otherwise,
 * see host-check.ts); a WebSocket's `Origin` must be this page's (403); a
 * viewer without the right token is accepted only to be closed with 4401 and
 * `token required` / `token rejected`, which the page can read and show.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { F2dError } from '../errors.js';
import type { MetricsRegistry } from '../prometheus.js';
import { CLOSE_UNAUTHORIZED, TOKEN_CLOSE_REASONS, checkToken, originAllowed, tokenAllows } from './auth.js';
import { hostAllowed, hostNameOf, type HostPolicy } from './host-check.js';
import { MAX_CLIENT_MESSAGE_BYTES } from './protocol.js';
import { mergeExpositions } from './metrics-merge.js';
import { resolveStatic } from './static-files.js';
import type { StreamHub } from './stream-hub.js';

/** What `/healthz` reports. */
export interface Health {
  /** `true` while the source delivers frames; `/healthz` answers 503 otherwise. */
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

/** One live stream as the server sees it: its viewers' hub, its metrics and its health. */
export interface ServedStream {
  /** Its URL path `/s/<name>/`: lower-case letters, digits, `_` and `-`. */
  readonly name: string;
  readonly hub: StreamHub;
  readonly metrics: MetricsRegistry;
  readonly health: () => Health;
}

/** Settings of {@link LiveServer}. */
export interface LiveServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Viewers must present it (`?token=`); `null` for none. */
  readonly token: string | null;
  /** Host names answered besides IP addresses, localhost and `host` (see `host-check.ts`); none by default. */
  readonly allowedHosts?: readonly string[];
  /** Folder of the viewer's static files. */
  readonly viewerDir: string;
  /** At least one; the first is also served at `/` and `/ws`. */
  readonly streams: readonly ServedStream[];
}

const STREAM_PATH = /^\/s\/([a-z0-9][a-z0-9_-]{0,31})(\/.*)?$/;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'",
} as const;

/**
 * The viewer's folder in this package (`src/viewer`, plain ES modules served
 * as they are), found from this module's location in `src/` or `dist/`.
 */
export function defaultViewerDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'src', 'viewer');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new F2dError('ERR_SERVER_VIEWER', 'internal', 'cannot find the viewer files (src/viewer/index.html) in this package', {
    hint: 'reinstall f2d-stream; the viewer is shipped in src/viewer',
  });
}

/**
 * A running server. Build with {@link LiveServer.listen}; stop with
 * {@link LiveServer.close} (idempotent).
 *
 * @example
 * const server = await LiveServer.listen({ host: '127.0.0.1', port: 8080, token: null, viewerDir: defaultViewerDir(), hub, metrics, health });
 * console.log(`open ${server.viewerUrl}`);
 */
export class LiveServer {
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #streams: readonly ServedStream[];
  #closed: Promise<void> | null = null;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** What a person opens: the base URL with the token when one is set. */
  readonly viewerUrl: string;
  /** Each stream's viewer page, by name (with the token when one is set). */
  readonly streamUrls: ReadonlyMap<string, string>;

  private constructor(http: Server, wss: WebSocketServer, streams: readonly ServedStream[], url: string, token: string | null) {
    this.#http = http;
    this.#wss = wss;
    this.#streams = streams;
    this.url = url;
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    this.viewerUrl = `${url}/${query}`;
    this.streamUrls = new Map(streams.map((s) => [s.name, `${url}/s/${s.name}/${query}`]));
  }

  /**
   * Starts listening.
   *
   * @throws F2dError `ERR_SERVER_LISTEN` when the address is taken or not allowed.
   */
  static async listen(options: LiveServerOptions): Promise<LiveServer> {
    if (options.streams.length === 0) throw new RangeError('LiveServer needs at least one stream');
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
    const hosts: HostPolicy = { bindHost: options.host, allowedHosts: options.allowedHosts ?? [], tokenSet: options.token !== null };
    const http = createServer((req, res) => {
      if (!hostAllowed(req.headers.host, hosts)) {
        res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
        res.end(misdirected(req.headers.host ?? ''));
        return;
      }
      handleRequest(options, req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`internal error: ${(err as Error).message}\n`);
      });
    });
    http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const refuse = (status: number, text: string): void => {
        socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      };
      const stream = streamOfSocketPath(options.streams, url.pathname);
      if (stream === null) return refuse(404, 'Not Found');
      if (!hostAllowed(req.headers.host, hosts)) return refuse(421, 'Misdirected Request');
      if (!originAllowed(req)) return refuse(403, 'Forbidden');
      const token = checkToken(options.token, req);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (token === 'ok') return stream.hub.attach(ws);
        // Accepted only to say why: a browser page cannot read a refused handshake's status.
        ws.on('error', () => undefined);
        ws.close(CLOSE_UNAUTHORIZED, TOKEN_CLOSE_REASONS[token]);
      });
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new F2dError('ERR_SERVER_LISTEN', 'network', `cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`, {
            cause: err,
            hint: err.code === 'EADDRINUSE' ? 'pick another --port (0 picks a free one)' : 'check --host and --port',
          }),
        );
      };
      http.once('error', onError);
      http.listen(options.port, options.host, () => {
        http.off('error', onError);
        resolve();
      });
    });
    const address = http.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new LiveServer(http, wss, options.streams, `http://${host}:${address.port}`, options.token);
  }

  /** Cuts every viewer's connection at once, as a network failure would (they may reconnect). */
  dropViewers(): void {
    for (const ws of this.#wss.clients) ws.terminate();
  }

  /** Closes viewers, the WebSocket server and the HTTP server; idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const stream of this.#streams) stream.hub.close();
      for (const ws of this.#wss.clients) ws.terminate();
      await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
      this.#http.closeAllConnections();
      await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    })();
    return this.#closed;
  }
}

/** The 421 body: says which name was refused and how to allow it. */
function misdirected(host: string): string {
  // Echoed as plain text, and only in characters a host name can have.
  const name = hostNameOf(host).slice(0, 100).replace(/[^a-z0-9.:_-]/g, '?');
  return `host "${name}" is not served here: this server answers its IP addresses, localhost and its --host name (a guard against DNS rebinding). If you reach it by this name, add it to serve.allowedHosts (--set serve.allowedHosts=${name}).\n`;
}

/** The stream whose WebSocket path this is (`/ws`: the first), or null. */
function streamOfSocketPath(streams: readonly ServedStream[], pathname: string): ServedStream | null {
  if (pathname === '/ws') return streams[0] ?? null;
  const match = STREAM_PATH.exec(pathname);
  if (match === null || match[2] !== '/ws') return null;
  return streams.find((s) => s.name === match[1]) ?? null;
}

/** Every stream's health in one: healthy when all are (one stream: its own health, as it was). */
function overallHealth(streams: readonly ServedStream[]): Health {
  if (streams.length === 1) return (streams[0] as ServedStream).health();
  const each = Object.fromEntries(streams.map((s) => [s.name, s.health()]));
  const down = Object.entries(each).filter(([, h]) => !h.ok).map(([name]) => name);
  return { ok: down.length === 0, state: down.length === 0 ? 'live' : `not live: ${down.join(', ')}`, streams: each };
}

async function handleRequest(options: LiveServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS });
    res.end();
    return;
  }
  const send = (status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const sendHealth = (health: Health): void => {
    // Probes need no token; the details (source, errors, counts) are for those who have it.
    const body = tokenAllows(options.token, req) ? health : { ok: health.ok, state: health['state'] };
    send(health.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
  };
  const sendMetrics = async (registries: readonly MetricsRegistry[]): Promise<void> => {
    if (!tokenAllows(options.token, req)) return send(401, 'text/plain; charset=utf-8', 'token required\n');
    const pages = await Promise.all(registries.map((r) => r.render()));
    send(200, (registries[0] as MetricsRegistry).contentType, pages.length === 1 ? (pages[0] as string) : mergeExpositions(pages));
  };
  const sendViewer = async (rel: string): Promise<void> => {
    const file = await resolveStatic(options.viewerDir, rel);
    if (file === null) return send(404, 'text/plain; charset=utf-8', 'not found\n');
    send(200, file.contentType, file.body);
  };

  const streamPath = STREAM_PATH.exec(url.pathname);
  if (streamPath !== null) {
    const stream = options.streams.find((s) => s.name === streamPath[1]);
    if (stream === undefined) return send(404, 'text/plain; charset=utf-8', `no stream "${streamPath[1]}" here; streams: ${options.streams.map((s) => s.name).join(', ')}\n`);
    const rest = streamPath[2];
    if (rest === undefined) {
      // `/s/cam` → `/s/cam/`: the page finds its WebSocket relative to its own folder.
      res.writeHead(301, { location: `/s/${stream.name}/${url.search}`, ...SECURITY_HEADERS });
      res.end();
      return;
    }
    if (rest === '/healthz') return sendHealth(stream.health());
    if (rest === '/metrics') return sendMetrics([stream.metrics]);
    if (rest === '/' || rest === '/index.html') return sendViewer('/index.html');
    return send(404, 'text/plain; charset=utf-8', 'not found\n');
  }
  if (url.pathname === '/healthz') return sendHealth(overallHealth(options.streams));
  if (url.pathname === '/metrics') return sendMetrics(options.streams.map((s) => s.metrics));
  if ((url.pathname === '/' || url.pathname === '/index.html') && options.streams.length > 1) {
    return send(200, 'text/html; charset=utf-8', streamIndexPage(options.streams, url.search));
  }
  const rel = url.pathname === '/' ? '/index.html' : url.pathname.startsWith('/viewer/') ? url.pathname.slice('/viewer'.length) : null;
  if (rel === null) return send(404, 'text/plain; charset=utf-8', 'not found\n');
  await sendViewer(rel);
}

/** `/` of a several-camera server: a link to each stream's viewer (the token carried along). */
function streamIndexPage(streams: readonly ServedStream[], search: string): string {
  // Names are [a-z0-9_-] (checked by the config), so they need no escaping; the query is re-encoded.
  const token = new URLSearchParams(search).get('token');
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const items = streams.map((s) => `    <li><a href="/s/${s.name}/${query.replace(/&/g, '&amp;')}">${s.name}</a></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>f2d-stream: ${streams.length} streams</title>
  <link rel="stylesheet" href="/viewer/style.css">
</head>
<body>
  <h1>f2d-stream</h1>
  <p>${streams.length} live streams, each restored and served on its own page:</p>
  <ul>
${items}
  </ul>
</body>
</html>
`;
}
