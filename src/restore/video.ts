/**
 * The file-restore loop for videos: pull a frame, restore it, encode it, in
 * order, never dropping one. The restorer runs in worker threads, so while
 * it works on frame N the main thread encodes frame N-1 and decodes N+1; a
 * restorer with several streams gets that many frames in flight.
 */
import { performance } from 'node:perf_hooks';
import { F2dError } from '../errors.js';
import { VideoReader, VideoWriter, type DecodedFrame, type InputDamage, type SizeChange } from '../media/index.js';
import type { RgbFrame } from '../frame.js';
import { degradationLevel } from '../model/scene-cut.js';
import type { ParseResult, RestoreResult } from '../model/types.js';
import { TransientFilter, weatherToFilter } from '../temporal/transient-filter.js';
import { ClearSceneFade, blendInto } from './clear-scene-fade.js';
import { commitOutput, discardOutput, temporaryName } from './publish-output.js';
import { StageTimes } from './stage-times.js';
import type { RestoreRunOptions, RunSummary } from './types.js';

/**
 * What the model did with one frame: restored it, or, while a clear scene is kept as it came
 * in, only parsed it (the parser is a few ms, a restoration tens: a clear stretch goes that
 * much faster).
 */
type FrameWork = { readonly kind: 'restored'; readonly result: RestoreResult } | { readonly kind: 'parsed'; readonly parse: ParseResult };

interface InFlight {
  readonly frame: DecodedFrame;
  readonly work: Promise<FrameWork>;
  /** The frame's pixels as decoded, kept for the clear-scene fade (the restorer may take the buffer). */
  readonly source: RgbFrame | null;
}

/**
 * Restores a video file into `output` (H.264, container from its extension), as
 * planned by `planFile` (which checked the output).
 *
 * A damaged or truncated input, or an aborted `signal`, still yields a
 * complete, playable file of every frame restored up to that point; the
 * summary says which happened.
 *
 * @throws {F2dError} input, output, model and encode errors (the partial output is removed)
 */
export async function restoreVideo(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const { log, restorer, signal } = options;
  const reader = await VideoReader.open(input, { log: log.child('media') });
  const { info } = reader;
  log.debug(
    `${input}: ${info.container}/${info.codec} ${info.width}x${info.height}, ${info.expectedFrames ?? '?'} frames, ` +
      `copying ${info.copiedStreams.map((s) => `#${s.index} ${s.type} ${s.codec}`).join(', ') || 'no other streams'}`,
  );
  const tmp = temporaryName(output);
  const times = new StageTimes();
  const t0 = options.startedAt ?? performance.now();
  let writer: VideoWriter | undefined;
  let damage: InputDamage | null = null;
  let interrupted = false;
  // When the first restored frame reached the encoder: start-up (input, encoder, model load,
  // first inference) ends there, and the steady rate is measured from there.
  let firstOutAt: number | undefined;
  // Frames sent to the restorer and not yet encoded, oldest first.
  const inFlight: InFlight[] = [];
  // Frames are emitted in order, so the filter sees them as the clip plays.
  const temporal = options.temporalFilter === 'auto' ? new TransientFilter() : null;
  const fade = options.passThroughBelow ? new ClearSceneFade(options.passThroughBelow) : null;
  // Clear frames the restorer never ran on, and how many restorations after such a stretch
  // must run the parser afresh (each stream's, and each ensemble view's, maps are older).
  let parsedOnlyFrames = 0;
  let reparseAfterClear = 0;
  try {
    const { crf, preset, threads } = options.encode;
    writer = await VideoWriter.create(tmp, reader, { crf, preset, ...(threads === undefined ? {} : { threads }), log: log.child('media') });
    const w = writer;
    // A frame that was only parsed and turned out to bring the weather back is restored now,
    // from the kept copy (copied again: the restorer may take the buffer).
    const restoreLate = async (source: RgbFrame): Promise<RestoreResult> => {
      const result = await times.timeAsync('wait', () => restorer.restore({ ...source, data: new Uint8Array(source.data) }, { reparse: true }));
      times.addAll(result.timings, 'model.');
      return result;
    };
    const emit = async (job: InFlight): Promise<void> => {
      const work = await times.timeAsync('wait', () => job.work);
      times.addAll(work.kind === 'restored' ? work.result.timings : work.parse.timings, 'model.');
      const weights = work.kind === 'restored' ? work.result.weights : work.parse.weights;
      const wasClear = fade?.clear;
      const share = fade && job.source ? fade.next(weights) : 1;
      if (fade && fade.clear !== wasClear && weights) {
        const level = degradationLevel(weights).toFixed(2);
        log.debug(`frame ${w.frames}: ${fade.clear ? `clear (largest parser weight ${level}), kept as it came in` : `weather (largest parser weight ${level}), restored`}`);
      }
      let out: RgbFrame;
      if (share === 0) {
        out = job.source!;
        if (work.kind === 'parsed') parsedOnlyFrames++;
        temporal?.reset(); // its history holds restored frames only
      } else {
        const result = work.kind === 'restored' ? work.result : await restoreLate(job.source!);
        out = result.frame;
        if (temporal) times.time('temporal', () => temporal.apply(result.frame, weatherToFilter(result.weights)));
        if (share < 1) times.time('fade', () => blendInto(result.frame, job.source!, share));
      }
      times.time('encode', () => w.writeFrame(out, job.frame.pts, job.frame.duration));
      firstOutAt ??= performance.now();
      options.onProgress?.({ done: w.frames, total: info.expectedFrames, elapsedSec: (performance.now() - t0) / 1000 });
    };
    // While the scene is kept as it came in, the parser alone decides whether the next frame
    // still is; the decision is checked again when the frame is written (`emit`).
    const startWork = (rgb: RgbFrame): Promise<FrameWork> => {
      if (fade?.keeping && restorer.parse) {
        reparseAfterClear = restorer.concurrency ?? 1;
        return restorer.parse(rgb).then((parse) => ({ kind: 'parsed', parse }));
      }
      const reparse = reparseAfterClear > 0;
      if (reparse) reparseAfterClear--;
      return restorer.restore(rgb, reparse ? { reparse } : undefined).then((result) => ({ kind: 'restored', result }));
    };
    for (;;) {
      if (signal?.aborted) {
        interrupted = true;
        break;
      }
      const item = times.time('decode', () => reader.next());
      if (item.kind === 'end') {
        damage = item.damage;
        break;
      }
      if (item.kind === 'packet') {
        times.time('copy', () => w.copy(item.packet));
        continue;
      }
      // With the restorer full (one frame per model stream), wait for the oldest frame, start this
      // one, then encode the oldest while the model works: decode, model and encode overlap.
      const oldest = inFlight.length >= (restorer.concurrency ?? 1) ? inFlight.shift() : undefined;
      if (oldest) await times.timeAsync('wait', () => oldest.work);
      // A copy before the restorer may transfer the buffer to its worker (a memcpy: about 1 ms at 1080p).
      const source = fade ? { ...item.frame.rgb, data: new Uint8Array(item.frame.rgb.data) } : null;
      inFlight.push({ frame: item.frame, source, work: startWork(item.frame.rgb) });
      if (oldest) await emit(oldest);
    }
    while (inFlight.length > 0) await emit(inFlight.shift()!);
    if (w.frames === 0) throw nothingRestored(input, damage, interrupted);
    times.time('encode', () => w.finish());
    // Parts of `decode` and `encode`, reported apart so conversion cost shows.
    times.add('decode.toRgb', reader.convertMs);
    times.add('encode.fromRgb', w.convertMs);
    await commitOutput(tmp, output, { overwrite: options.overwrite });
  } catch (err) {
    // Let restores still in flight settle so their rejections are not left unhandled.
    await Promise.all(inFlight.map((job) => job.work.catch(() => undefined)));
    writer?.abort();
    await discardOutput(tmp);
    throw err;
  } finally {
    reader.close();
  }
  const end = performance.now();
  const seconds = (end - t0) / 1000;
  const frames = writer.frames;
  const startupSec = ((firstOutAt ?? end) - t0) / 1000;
  // Frames after the first over the time after it (the encoder's final flush included).
  const steadyFps = frames > 1 && firstOutAt !== undefined ? ((frames - 1) * 1000) / (end - firstOutAt) : frames / seconds;
  const warnings: string[] = [];
  if (damage) {
    warnings.push(
      `input "${input}" is damaged at frame ${damage.frame} (${damage.timeSec.toFixed(2)} s): ${damage.reason}; ` +
        `the output holds the ${frames} frames before it`,
    );
  }
  const resized = sizeChangeWarning(input, reader.sizeChanges);
  if (resized) warnings.push(resized);
  if (interrupted) warnings.push(`interrupted: the output holds the first ${frames} frames`);
  return {
    kind: 'video',
    input,
    output,
    frames,
    expectedFrames: info.expectedFrames,
    seconds,
    fps: seconds > 0 ? frames / seconds : 0,
    startupSec,
    steadyFps,
    stages: times.toJSON(),
    interrupted,
    damage,
    warnings,
    ...(fade ? { clearFrames: fade.keptFrames, parsedOnlyFrames } : {}),
  };
}

/**
 * One warning for every change of picture size in the input (the reader fitted those frames
 * to the first frame's size), naming the first change: frame number, both sizes.
 */
function sizeChangeWarning(input: string, changes: readonly SizeChange[]): string | null {
  const [first] = changes;
  if (!first) return null;
  const more = changes.length > 1 ? ` (and ${changes.length - 1} more size change${changes.length > 2 ? 's' : ''})` : '';
  return (
    `input "${input}" changes picture size at frame ${first.frame} (${first.timeSec.toFixed(2)} s) from ${first.from} to ${first.to}${more}; ` +
    `the output keeps ${first.from}: frames of another size were scaled to it (black bars where the shape differs)`
  );
}

/** A file with no frame would not play: say why nothing was written instead. */
function nothingRestored(input: string, damage: InputDamage | null, interrupted: boolean): F2dError {
  if (interrupted) return new F2dError('ERR_INTERRUPTED', 'interrupted', 'interrupted before the first frame was restored; nothing was written');
  if (damage) {
    return new F2dError('ERR_DECODE_NO_FRAMES', 'decode', `no frame of "${input}" could be decoded: ${damage.reason}`, {
      hint: 'the file is damaged from its start; check it with `ffprobe`, or re-export it from its source',
    });
  }
  return new F2dError('ERR_DECODE_NO_FRAMES', 'decode', `"${input}" holds no video frames`, {
    hint: 'check the file with `ffprobe`; its video stream is empty',
  });
}
