/**
 * The two H.264 encoders of the live stream, one per track (`restored`,
 * `original`): opened at the first frame's size, reopened when the source size
 * changes, and told when a viewer needs a key frame.
 */
import { InvalidStateError } from '../errors.js';
import type { Logger } from '../log.js';
import { LiveH264Encoder, type EncodedPicture } from '../media/live/index.js';
import type { TrackName } from '../server/protocol.js';
import type { LiveMetrics } from './live-metrics.js';

/** The encoder settings (`serve.encoder`). */
export interface LiveEncoderSettings {
  readonly preset: string;
  readonly crf: number;
  readonly keyIntervalSec: number;
  readonly threads: number;
}

interface Open {
  readonly width: number;
  readonly height: number;
  readonly restored: LiveH264Encoder;
  readonly original: LiveH264Encoder;
}

export class TrackEncoders {
  readonly #settings: LiveEncoderSettings;
  readonly #fps: () => number;
  readonly #metrics: Pick<LiveMetrics, 'keyFrames'>;
  readonly #log: Logger;
  readonly #keyWanted: Record<TrackName, boolean> = { restored: true, original: true };
  #open: Open | null = null;

  /** @param fps - the source's nominal rate when the encoders open (for rate control and the key interval) */
  constructor(settings: LiveEncoderSettings, fps: () => number, metrics: Pick<LiveMetrics, 'keyFrames'>, log: Logger) {
    this.#settings = settings;
    this.#fps = fps;
    this.#metrics = metrics;
    this.#log = log;
  }

  /**
   * Makes the encoders ready for frames of this size (opening or reopening them), apart from
   * {@link encode} so the encode time measured per frame leaves the opening out.
   */
  async prepare(width: number, height: number): Promise<void> {
    await this.#openFor(width, height);
  }

  /** Encodes the restored and the original picture of one frame (a key frame on a track that asked for one). */
  async encode(restored: Uint8Array, original: Uint8Array): Promise<{ restored: EncodedPicture | null; original: EncodedPicture | null }> {
    const enc = this.#open;
    if (enc === null) throw new InvalidStateError('ERR_ENCODE_CLOSED', 'TrackEncoders.encode() before prepare() or after close()');
    const [r, o] = await Promise.all([
      enc.restored.encode(restored, { forceKey: this.#takeKey('restored') }),
      enc.original.encode(original, { forceKey: this.#takeKey('original') }),
    ]);
    return { restored: r, original: o };
  }

  /** Makes the next picture of `track` a key frame (a viewer joined or fell behind). */
  requestKeyFrame(track: TrackName): void {
    this.#keyWanted[track] = true;
  }

  /** Frees both encoders; idempotent. The next {@link prepare} opens new ones. */
  async close(): Promise<void> {
    const enc = this.#open;
    this.#open = null;
    if (enc !== null) await Promise.all([enc.restored.close(), enc.original.close()]);
  }

  async #openFor(width: number, height: number): Promise<Open> {
    const current = this.#open;
    if (current !== null && current.width === width && current.height === height) return current;
    if (current !== null) {
      this.#log.info(`source size changed to ${width}x${height}: restarting the encoders`);
      await this.close();
    }
    const fps = this.#fps();
    const s = this.#settings;
    const options = { width, height, fps, preset: s.preset, crf: s.crf, keyInterval: Math.max(1, Math.round(s.keyIntervalSec * fps)), threads: s.threads };
    const [restored, original] = await Promise.all([LiveH264Encoder.create(options), LiveH264Encoder.create(options)]);
    this.#open = { width, height, restored, original };
    // New streams start with a key frame on both tracks.
    this.#keyWanted.restored = true;
    this.#keyWanted.original = true;
    return this.#open;
  }

  #takeKey(track: TrackName): boolean {
    const want = this.#keyWanted[track];
    this.#keyWanted[track] = false;
    if (want) this.#metrics.keyFrames.inc({ track });
    return want;
  }
}
