import path from 'node:path';
import { redactUrl } from '../redact.js';

/**
 * How the source is named to viewers and in `/healthz`: a network or camera
 * URL without its credentials, a file by its name only (its folder is nobody
 * else's business), `demo` for the bundled clip.
 *
 * @example
 * sourceLabel({ kind: 'rtsp', url: 'rtsp://admin:hunter2@10.0.0.2/s1' }) // 'rtsp://admin:***@10.0.0.2/s1'
 * sourceLabel({ kind: 'file', url: '/home/me/clips/drive.mp4' })         // 'drive.mp4'
 */
export function sourceLabel(source: { readonly kind: string; readonly url: string }): string {
  if (source.kind === 'demo') return 'demo';
  if (source.kind === 'file') return path.basename(source.url);
  return redactUrl(source.url);
}
