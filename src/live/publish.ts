/**
 * Publishing one processed frame: its two encoded pictures and (when the
 * parser ran) its maps to the viewers' hub, and its counts and stage times to
 * the metrics.
 */
import { findSps, type EncodedPicture } from '../media/live/index.js';
import type { StreamHub, TrackConfig } from '../server/stream-hub.js';
import type { LiveMetrics } from './live-metrics.js';
import type { ProcessedFrame } from './types.js';

/** The encoded pictures of a frame; `null` where the encoder held it back. */
export interface EncodedPair {
  readonly restored: EncodedPicture | null;
  readonly original: EncodedPicture | null;
}

/** Wall-clock ms (`nowMs`) at the end of the restore stage and at publication. */
export interface PublishTimes {
  readonly encodeStart: number;
  readonly published: number;
}

/** A key picture's codec and size (the viewer configures its decoder from it); `null` for others. */
function configOf(picture: EncodedPicture): TrackConfig | null {
  if (!picture.key) return null;
  const sps = findSps(picture.data);
  return sps === null ? null : { codec: sps.codec, width: sps.width, height: sps.height };
}

export function publishFrame(hub: StreamHub, metrics: LiveMetrics, processed: ProcessedFrame, pictures: EncodedPair, times: PublishTimes): void {
  const frame = processed.source;
  const { restored, original } = pictures;
  if (restored !== null) {
    hub.publishVideo({ track: 'restored', data: restored.data, key: restored.key, passThrough: processed.passThrough, seq: frame.seq, captureMs: frame.captureMs, config: configOf(restored) });
  }
  if (original !== null) {
    hub.publishVideo({ track: 'original', data: original.data, key: original.key, passThrough: false, seq: frame.seq, captureMs: frame.captureMs, config: configOf(original) });
  }
  if (processed.maps !== null && processed.weights !== null) {
    const m = processed.maps;
    hub.publishMaps({ seq: frame.seq, captureMs: frame.captureMs, width: m.width, height: m.height, weights: processed.weights, planes: m.planes });
  }
  metrics.framesOut.inc();
  if (processed.passThrough) metrics.passThrough.inc();
  if (processed.parse !== null) metrics.parserRuns.inc({ reason: processed.parse });
  metrics.observeStages({
    wait: (processed.startMs - frame.captureMs) / 1000,
    restore: (times.encodeStart - processed.startMs) / 1000,
    encode: (times.published - times.encodeStart) / 1000,
    pipeline: (times.published - frame.captureMs) / 1000,
  });
}
