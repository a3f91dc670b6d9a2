import { F2dError } from '../../errors.js';

/** The kinds of live source `f2d serve --source` accepts. */
export type SourceKind = 'rtsp' | 'v4l2' | 'http' | 'file' | 'demo';

/** A parsed `--source` value. */
export interface SourceSpec {
  readonly kind: SourceKind;
  /** What FFmpeg opens (for `demo`, resolved later to the bundled clip). */
  readonly url: string;
  /** FFmpeg input format to force, if any. */
  readonly format?: string;
  /** FFmpeg options for this kind of input. */
  readonly options: Readonly<Record<string, string>>;
  /**
   * `pts`: emit frames at the pace of their timestamps (files, HLS/VOD), since
   * those inputs read faster than real time; `arrival`: emit as they arrive
   * (cameras, RTSP), which are real-time by nature.
   */
  readonly pace: 'pts' | 'arrival';
  /** Whether losing the input means "reconnect" (a feed) rather than "the end" (a file). */
  readonly reconnect: boolean;
}

/** Socket timeout for network inputs, in microseconds (FFmpeg's unit): a dead feed errors after 5 s. */
const NETWORK_TIMEOUT_US = '5000000';

/**
 * Parses a `--source` URI.
 *
 * - `rtsp://…`, `rtsps://…`: RTSP over TCP (interleaved), reconnecting with back-off.
 * - `/dev/videoN` or `v4l2:///dev/videoN`: a V4L2 camera.
 * - `http(s)://…` (HLS playlists included): read and paced by timestamps, reconnecting.
 * - `demo`: the bundled demo clip, looped.
 * - anything else: a file path, played at its own frame rate.
 *
 * @throws F2dError `ERR_SOURCE_URI` for an empty value or an unsupported scheme.
 * @example
 * parseSourceUri('rtsp://10.0.0.2:554/stream1').kind // 'rtsp'
 */
export function parseSourceUri(uri: string): SourceSpec {
  const value = uri.trim();
  if (value === '') {
    throw new F2dError('ERR_SOURCE_URI', 'config', 'the live source is empty', {
      hint: 'pass --source rtsp://…, /dev/video0, http(s)://…/x.m3u8, a file path, or demo',
    });
  }
  if (value === 'demo') return { kind: 'demo', url: 'demo', options: {}, pace: 'pts', reconnect: false };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') {
    return {
      kind: 'rtsp',
      url: value,
      options: {
        rtsp_transport: 'tcp',
        timeout: NETWORK_TIMEOUT_US,
        // Start fast and keep no reorder buffer: latency matters more than a perfect probe.
        fflags: 'nobuffer',
        flags: 'low_delay',
        probesize: '500000',
        analyzeduration: '1000000',
      },
      pace: 'arrival',
      reconnect: true,
    };
  }
  if (scheme === 'http' || scheme === 'https') {
    return { kind: 'http', url: value, options: { rw_timeout: NETWORK_TIMEOUT_US }, pace: 'pts', reconnect: true };
  }
  if (scheme === 'v4l2' || /^\/dev\/video\d+$/.test(value)) {
    const device = scheme === 'v4l2' ? value.slice('v4l2://'.length) : value;
    return { kind: 'v4l2', url: device, format: 'v4l2', options: {}, pace: 'arrival', reconnect: true };
  }
  if (scheme === 'file') return { kind: 'file', url: decodeURIComponent(value.slice('file://'.length)), options: {}, pace: 'pts', reconnect: false };
  if (scheme !== undefined) {
    throw new F2dError('ERR_SOURCE_URI', 'config', `unsupported live source scheme "${scheme}://" in ${value}`, {
      hint: 'use rtsp://, rtsps://, http://, https://, v4l2:// (or /dev/videoN), a file path, or demo',
    });
  }
  return { kind: 'file', url: value, options: {}, pace: 'pts', reconnect: false };
}
