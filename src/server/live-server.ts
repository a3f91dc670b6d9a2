/**
 * The HTTP + WebSocket server of `f2d serve`: the viewer page, `/ws`,
 * `/metrics` (Prometheus text) and `/healthz`.
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
import { resolveStatic } from './static-files.js';
import type { StreamHub } from './stream-hub.js';

/** What `/healthz` reports. */
export interface Health {
  /** `true` while the source delivers frames; `/healthz` answers 503 otherwise. */
  readonly ok: boolean;
  readonly [key: string]: unknown;
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
  readonly hub: StreamHub;
  readonly metrics: MetricsRegistry;
  readonly health: () => Health;
}

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
  readonly #hub: StreamHub;
  #closed: Promise<void> | null = null;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** What a person opens: the base URL with the token when one is set. */
  readonly viewerUrl: string;

  private constructor(http: Server, wss: WebSocketServer, hub: StreamHub, url: string, token: string | null) {
    this.#http = http;
    this.#wss = wss;
    this.#hub = hub;
    this.url = url;
    this.viewerUrl = token === null ? `${url}/` : `${url}/?token=${encodeURIComponent(token)}`;
  }

  /**
   * Starts listening.
   *
   * @throws F2dError `ERR_SERVER_LISTEN` when the address is taken or not allowed.
   */
  static async listen(options: LiveServerOptions): Promise<LiveServer> {
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
      if (url.pathname !== '/ws') return refuse(404, 'Not Found');
      if (!hostAllowed(req.headers.host, hosts)) return refuse(421, 'Misdirected Request');
      if (!originAllowed(req)) return refuse(403, 'Forbidden');
      const token = checkToken(options.token, req);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (token === 'ok') return options.hub.attach(ws);
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
    return new LiveServer(http, wss, options.hub, `http://${host}:${address.port}`, options.token);
  }

  /** Cuts every viewer's connection at once, as a network failure would (they may reconnect). */
  dropViewers(): void {
    for (const ws of this.#wss.clients) ws.terminate();
  }

  /** Closes viewers, the WebSocket server and the HTTP server; idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#hub.close();
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
  if (url.pathname === '/healthz') {
    const health = options.health();
    // Probes need no token; the details (source, errors, counts) are for those who have it.
    const body = tokenAllows(options.token, req) ? health : { ok: health.ok, state: health['state'] };
    send(health.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
    return;
  }
  if (url.pathname === '/metrics') {
    if (!tokenAllows(options.token, req)) return send(401, 'text/plain; charset=utf-8', 'token required\n');
    send(200, options.metrics.contentType, await options.metrics.render());
    return;
  }
  const rel = url.pathname === '/' ? '/index.html' : url.pathname.startsWith('/viewer/') ? url.pathname.slice('/viewer'.length) : null;
  const file = rel === null ? null : await resolveStatic(options.viewerDir, rel);
  if (file === null) return send(404, 'text/plain; charset=utf-8', 'not found\n');
  send(200, file.contentType, file.body);
}
