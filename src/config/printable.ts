/**
 * The configuration as `--print-config` shows it: what a user may paste into
 * an issue or a chat. Secrets (`serve.token`) are hidden, and every URL's
 * password, secret query values and RTMP stream key are shown as `***`
 * (camera sources, `serve.publish`, the queue's Redis).
 */
import { redactStreamKey, redactUrl } from '../redact.js';
import { SECRET_KEYS } from './schema.js';
import type { Config } from './types.js';

function printable(value: unknown, key: string): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEYS.includes(key)) return `(hidden, ${value.length} characters)`;
    return redactStreamKey(redactUrl(value));
  }
  if (Array.isArray(value)) return value.map((v) => printable(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printable(v, key === '' ? k : `${key}.${k}`)]));
  }
  return value;
}

/** A copy of `config` safe to print (see the module comment). */
export function printableConfig(config: Config): unknown {
  return printable(config, '');
}
