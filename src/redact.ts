/**
 * Hides credentials in URLs before they reach a log line, an error message,
 * `/healthz` or the viewer: `rtsp://admin:hunter2@cam/stream` becomes
 * `rtsp://admin:***@cam/stream`, and `?token=…` (or `password=`, `key=`, …)
 * becomes `?token=***`. The user name stays, to tell cameras apart.
 */

/**
 * `scheme://user:password@` anywhere in a text. The password runs to the last
 * `@` before the path (as in URL parsing), so one holding a raw `@` is hidden whole.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/]+)@/gi;

/** Query parameters that carry a secret, e.g. `?token=…&password=…`. */
const SECRET_PARAMS = /([?&;](?:token|access_token|password|passwd|pass|pwd|secret|key|api_key|apikey|auth|sig|signature)=)([^&#\s"']+)/gi;

/**
 * The text with every URL's password and secret query values replaced by
 * `***`. Works on a bare URL and on any message that contains URLs (FFmpeg
 * errors, reconnect warnings); text without credentials comes back unchanged.
 *
 * @example
 * redactUrl('rtsp://admin:hunter2@10.0.0.2/s1') // 'rtsp://admin:***@10.0.0.2/s1'
 * redactUrl('cannot open https://cdn/x.m3u8?token=abc: 403') // 'cannot open https://cdn/x.m3u8?token=***: 403'
 */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, '$1$2:***@').replace(SECRET_PARAMS, '$1***');
}

/**
 * An RTMP URL's stream name (the path's last part, often the account's secret
 * stream key, as with YouTube or Twitch ingest) as `***`; other URLs unchanged.
 *
 * @example
 * redactStreamKey('rtmp://live.example.com/app/abcd-1234') // 'rtmp://live.example.com/app/***'
 */
export function redactStreamKey(url: string): string {
  if (!/^rtmps?:\/\//i.test(url)) return url;
  return url.replace(/^([a-z]+:\/\/[^/?#]+\/[^?#]*\/)[^/?#]+/i, '$1***');
}
