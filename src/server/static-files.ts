import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A file found by {@link resolveStatic}. */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * Resolves a URL path inside `root` and reads the file.
 *
 * Refuses anything that would leave `root`: `..` segments (raw or
 * percent-encoded), absolute paths, backslashes, NUL bytes, and symbolic
 * links pointing outside. Only known content types are served.
 *
 * @param root - absolute folder to serve.
 * @param urlPath - the path part of the request URL, relative to the mount point (e.g. `/main.js`).
 * @returns the file, or `null` when not found or not allowed (the caller answers 404).
 */
export async function resolveStatic(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  const rootReal = await realpath(root);
  const candidate = path.join(rootReal, ...segments);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return null;
  }
  if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return null;
  const info = await stat(real);
  if (!info.isFile()) return null;
  const contentType = CONTENT_TYPES[path.extname(real).toLowerCase()];
  if (contentType === undefined) return null;
  return { body: await readFile(real), contentType };
}
