/**
 * Recording the restored live stream as segmented MP4 (`serve.record`), a
 * side job of the live pipeline: the recorder opens on the first published
 * frame (its size is known then), and a failure is reported once and stops
 * the recording while the live stream goes on.
 */
import type { ServeConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { LiveRecorder, type EncodedPicture } from '../media/live/index.js';
import type { ProcessedFrame } from './types.js';

export class LiveRecording {
  readonly #settings: ServeConfig['record'];
  readonly #log: Logger;
  #recorder: Promise<LiveRecorder> | null = null;
  /** The last write in flight: writes run one after another, and close waits for them. */
  #tail: Promise<void> = Promise.resolve();
  #failed = false;

  /** `settings.dir` null: records nothing. */
  constructor(settings: ServeConfig['record'], log: Logger) {
    this.#settings = settings;
    this.#log = log;
  }

  /** Records one published frame (its restored picture, already encoded). Never throws. */
  write(frame: ProcessedFrame, restored: EncodedPicture): void {
    const { dir, segmentSec } = this.#settings;
    if (dir === null || this.#failed) return;
    this.#recorder ??= LiveRecorder.create({ dir, segmentSec, width: frame.output.width, height: frame.output.height }).then((r) => {
      this.#log.info(`recording the restored stream to ${dir} in ${segmentSec} s segments`);
      return r;
    });
    const recorder = this.#recorder;
    this.#tail = this.#tail
      .then(async () => {
        if (!this.#failed) await (await recorder).write(restored.data, restored.key, frame.source.captureMs);
      })
      .catch((err: unknown) => {
        // Recording is a side job: report once and stop recording; the live stream goes on.
        this.#failed = true;
        this.#log.error(`recording stopped: ${(err as Error).message}`);
      });
  }

  /** The recorder, once the first frame was recorded (null before, or when it failed to start). */
  async recorder(): Promise<LiveRecorder | null> {
    return this.#recorder === null ? null : this.#recorder.catch(() => null);
  }

  /** Finishes the open segment; idempotent. */
  async close(): Promise<void> {
    await this.#tail;
    // A recorder that failed to start was already reported.
    await (await this.recorder())?.close();
  }
}
