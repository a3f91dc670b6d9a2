import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The outcome of {@link checkToken}. */
export type TokenCheck = 'ok' | 'missing' | 'wrong';

/**
 * WebSocket close code for a failed token check, sent after the handshake so
 * that the browser's page can read it (a refused handshake only shows as 1006).
 * 4401 = the private range 4000–4999 + HTTP's 401.
 */
export const CLOSE_UNAUTHORIZED = 4401;

/** Close reasons for {@link CLOSE_UNAUTHORIZED}; the viewer shows its own words for each. */
export const TOKEN_CLOSE_REASONS: Readonly<Record<Exclude<TokenCheck, 'ok'>, string>> = {
  missing: 'token required',
  wrong: 'token rejected',
};

/**
 * Checks the viewer token of a request: `?token=` in the URL or an
 * `Authorization: Bearer` header. With no token configured every request passes.
 * The comparison takes the same time whatever the guess.
 */
export function checkToken(expected: string | null, request: IncomingMessage): TokenCheck {
  if (expected === null) return 'ok';
  const url = new URL(request.url ?? '/', 'http://localhost');
  const header = request.headers.authorization;
  const given = url.searchParams.get('token') ?? (header?.startsWith('Bearer ') === true ? header.slice(7) : null);
  if (given === null || given === '') return 'missing';
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected)) ? 'ok' : 'wrong';
}

/** Whether the request carries the right token (or none is configured). */
export function tokenAllows(expected: string | null, request: IncomingMessage): boolean {
  return checkToken(expected, request) === 'ok';
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
