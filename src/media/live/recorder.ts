/**
 * Dash-cam recording of the restored live stream: the already-encoded H.264
 * access units are written, without re-encoding, into MP4 files cut every
 * `segmentSec` seconds at key frames (FFmpeg's `segment` muxer), named by
 * the recording's start time and a segment number.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { F2dError, InvalidStateError } from '../../errors.js';
import { AnnexBMuxer } from './annexb-muxer.js';
import { WriteQueue } from './write-queue.js';

/** Settings of {@link LiveRecorder}. */
export interface LiveRecorderOptions {
  /** Folder for the segments (created if missing). */
  readonly dir: string;
  readonly segmentSec: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Writes encoded access units into segmented MP4 files. Build with
 * {@link LiveRecorder.create}; the first access unit written must be a key
 * frame with SPS/PPS (earlier ones are skipped). {@link close} finishes the
 * current segment (idempotent).
 *
 * @example
 * const rec = await LiveRecorder.create({ dir: 'recordings', segmentSec: 60, width: 640, height: 360 });
 * await rec.write(accessUnit, true, captureMs);
 * await rec.close();
 */
export class LiveRecorder {
  readonly #options: LiveRecorderOptions;
  #muxer: AnnexBMuxer | null = null;
  #closed = false;
  readonly #writes = new WriteQueue();
  /** Access units written. */
  written = 0;

  private constructor(options: LiveRecorderOptions) {
    this.#options = options;
  }

  /**
   * @throws F2dError `ERR_RECORD_DIR` when the folder cannot be created.
   */
  static async create(options: LiveRecorderOptions): Promise<LiveRecorder> {
    try {
      mkdirSync(options.dir, { recursive: true });
    } catch (cause) {
      throw new F2dError('ERR_RECORD_DIR', 'output', `cannot create the recording folder ${options.dir}`, {
        cause,
        hint: 'pass a writable folder with --record <dir> (serve.record.dir)',
      });
    }
    return new LiveRecorder(options);
  }

  /**
   * Adds one access unit (Annex-B) captured at `captureMs` (wall clock).
   *
   * @throws F2dError `ERR_RECORD_WRITE` when FFmpeg cannot write; InvalidStateError after close.
   */
  async write(data: Uint8Array, key: boolean, captureMs: number): Promise<void> {
    if (this.#closed) throw new InvalidStateError('ERR_RECORD_CLOSED', 'the recorder is closed');
    return this.#writes.run(() => this.#write(data, key, captureMs));
  }

  async #write(data: Uint8Array, key: boolean, captureMs: number): Promise<void> {
    if (this.#muxer === null) {
      if (!key) return;
      this.#muxer = await this.#open(data, captureMs);
    }
    try {
      await this.#muxer.write(data, key, captureMs);
    } catch (cause) {
      throw new F2dError('ERR_RECORD_WRITE', 'output', `writing the recording in ${this.#options.dir} failed: ${(cause as Error).message}`, {
        cause,
        fatal: false,
        hint: 'check free space and permissions of the recording folder',
      });
    }
    this.written += 1;
  }

  async #open(keyFrame: Uint8Array, captureMs: number): Promise<AnnexBMuxer> {
    // Named by the recording's start (local time) and a segment number: f2d-20250101-120000-00003.mp4
    const d = new Date(captureMs);
    const two = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
    const { dir, segmentSec, width, height } = this.#options;
    try {
      return await AnnexBMuxer.open({
        format: 'segment',
        url: path.join(dir, `f2d-${stamp}-%05d.mp4`),
        width,
        height,
        keyFrame,
        startMs: captureMs,
        options: { segment_time: segmentSec, segment_format: 'mp4', reset_timestamps: 1, break_non_keyframes: 0 },
      });
    } catch (cause) {
      throw new F2dError('ERR_RECORD_WRITE', 'output', `cannot start recording in ${dir}: ${(cause as Error).message}`, {
        cause,
        hint: 'check that the recording folder is writable',
      });
    }
  }

  /** Finishes the current segment so it plays; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes.idle();
    const muxer = this.#muxer;
    this.#muxer = null;
    await muxer?.close();
  }
}
