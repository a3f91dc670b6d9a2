/**
 * Where `f2d serve --publish` pushes the restored stream, decided from the
 * URL alone (no FFmpeg here, so it is unit-tested and checked at startup):
 * the muxer, its options, and how logs name the server.
 */
import { F2dError } from '../../errors.js';
import { redactStreamKey, redactUrl } from '../../redact.js';

/** The FFmpeg side of a publish URL. */
export interface PublishTarget {
  readonly url: string;
  /** `rtsp` (RTSP ANNOUNCE/RECORD) or `flv` (RTMP publish). */
  readonly format: 'rtsp' | 'flv';
  /** Muxer options (`avformat_write_header`). */
  readonly options: Readonly<Record<string, string>>;
  /** The URL as logs, errors and `/healthz` show it: password, secret query values and an RTMP stream key hidden. */
  readonly label: string;
}

/** Schemes `--publish` takes, for messages. */
export const PUBLISH_SCHEMES = ['rtsp', 'rtsps', 'rtmp', 'rtmps'] as const;

/**
 * The muxer for a publish URL: `rtsp://`/`rtsps://` → the `rtsp` muxer over
 * TCP (interleaved RTP: passes NAT and firewalls, loses nothing); `rtmp://`/
 * `rtmps://` → the `flv` muxer on FFmpeg's RTMP client (FLV wants avcC and
 * length prefixes; flvenc converts the Annex-B stream itself).
 *
 * @throws F2dError `ERR_PUBLISH_URL` for another scheme or a URL without a host.
 * @example
 * publishTarget('rtmp://live.example.com/app/abcd-1234').label // 'rtmp://live.example.com/app/***'
 */
export function publishTarget(url: string): PublishTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)/i.exec(url);
  const name = scheme?.[1]?.toLowerCase();
  if (scheme === null || name === undefined || !(PUBLISH_SCHEMES as readonly string[]).includes(name)) {
    throw new F2dError('ERR_PUBLISH_URL', 'config', `cannot publish to ${redactUrl(url)}: ${scheme === null ? 'not a URL with a host' : `the scheme ${name}:// is not supported`}`, {
      hint: `give --publish (serve.publish) an rtsp://, rtsps://, rtmp:// or rtmps:// URL of a media server, e.g. rtsp://127.0.0.1:8554/restored or rtmp://127.0.0.1/live/restored`,
    });
  }
  if (name === 'rtsp' || name === 'rtsps') {
    return { url, format: 'rtsp', options: { rtsp_transport: 'tcp' }, label: redactUrl(url) };
  }
  // flvflags: a live stream has no file to go back to for the duration and size.
  return { url, format: 'flv', options: { flvflags: 'no_duration_filesize' }, label: redactStreamKey(redactUrl(url)) };
}

/** Back-off between connection attempts. */
export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** The wait before reconnect attempt `attempt` (1-based): `initialDelayMs`, doubling up to `maxDelayMs`. */
export function backoffDelayMs(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}
