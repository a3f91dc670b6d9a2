import { isIP } from 'node:net';

/**
 * Which `Host` headers the server answers: protection from DNS rebinding.
 *
 * The attack: a web page on `evil.example` makes its own name resolve to
 * 127.0.0.1 (or to this machine's LAN address), then its scripts talk to this
 * server as if it were their own origin; the browser sends `Host:
 * evil.example:PORT` and a matching `Origin`, so the Origin check alone passes.
 * A name the server does not know is therefore refused (421).
 *
 * Accepted, in order:
 * 1. no `Host` header (not a browser; browsers always send one);
 * 2. an IP address (`127.0.0.1:8080`, `[::1]:8080`, `192.168.1.20:8080`): a page
 *    can only use one that really is this machine, so it cannot rebind;
 * 3. `localhost` and `*.localhost` (browsers resolve them to loopback themselves);
 * 4. the `--host` name the server was started with (`--host mybox.lan`);
 * 5. `serve.allowedHosts`: exact names, `.example.com` for the name and its
 *    subdomains, `*` for any name (behind a reverse proxy that checks it);
 * 6. any name when the server listens on every interface (`0.0.0.0`, `::`) and
 *    a token is set: the token, which a rebinding page does not know, protects
 *    the stream, and users reach such a server by names this list cannot guess.
 */
export interface HostPolicy {
  /** The `--host` value the server listens on. */
  readonly bindHost: string;
  /** `serve.allowedHosts`. */
  readonly allowedHosts: readonly string[];
  /** Whether viewers must present a token. */
  readonly tokenSet: boolean;
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

/** The host name of a `Host` header, lower case, without port, brackets or trailing dot. */
export function hostNameOf(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? '' : value.slice(1, end);
  }
  // A bare IPv6 address (as `--host ::1` is written) has colons that are not a port.
  if (isIP(value) !== 0) return value;
  return value.replace(/:\d*$/, '').replace(/\.$/, '');
}

/** Whether a request with this `Host` header may be answered (see {@link HostPolicy}). */
export function hostAllowed(header: string | undefined, policy: HostPolicy): boolean {
  if (header === undefined) return true;
  const name = hostNameOf(header);
  if (name === '') return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === hostNameOf(policy.bindHost)) return true;
  for (const entry of policy.allowedHosts) {
    const allowed = entry.trim().toLowerCase().replace(/\.$/, '');
    if (allowed === '*') return true;
    if (allowed.startsWith('.') ? name === allowed.slice(1) || name.endsWith(allowed) : name === allowed) return true;
  }
  return policy.tokenSet && WILDCARD_BINDS.has(policy.bindHost.trim());
}
