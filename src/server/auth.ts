import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Checks the viewer token of a request: `?token=` in the URL or an
 * `Authorization: Bearer` header. With no token configured every request passes.
 * The comparison takes the same time whatever the guess.
 */
export function tokenAllows(expected: string | null, request: IncomingMessage): boolean {
  if (expected === null) return true;
  const url = new URL(request.url ?? '/', 'http://localhost');
  const header = request.headers.authorization;
  const given = url.searchParams.get('token') ?? (header?.startsWith('Bearer ') === true ? header.slice(7) : null);
  if (given === null) return false;
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Whether a WebSocket upgrade comes from a page of this server (or from a
 * non-browser client, which sends no Origin). Browsers let any site open a
 * WebSocket to 127.0.0.1, so without this check any web page could watch the stream.
 */
export function originAllowed(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
