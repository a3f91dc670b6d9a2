/**
 * Ceiling 1: decode → RGB24 → encode through our media module alone (no
 * model), the same calls `f2d restore` makes, with its encode settings.
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../src/log.js';
import { VideoReader, VideoWriter } from '../../src/media/index.js';

export interface MediaRun {
  readonly frames: number;
  /** Frames a second of decode → RGB24 only. */
  readonly decodeFps: number;
  /** Frames a second of decode → RGB24 → yuv420p → x264 → mux. */
  readonly transcodeFps: number;
  /**
   * CPU time (user + system, every thread: x264's too) per frame of that transcode: what the media
   * work takes from the cores the model shares in `f2d restore`.
   */
  readonly transcodeCpuMsPerFrame: number;
}

async function pass(clip: string, out: string | null, encode: { crf: number; preset: string }): Promise<{ frames: number; seconds: number; cpuMs: number }> {
  const reader = await VideoReader.open(clip, { log: silentLogger });
  let writer: VideoWriter | undefined;
  try {
    writer = out === null ? undefined : await VideoWriter.create(out, reader, { ...encode, log: silentLogger });
    let frames = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let item = reader.next(); item.kind !== 'end'; item = reader.next()) {
      if (item.kind === 'packet') {
        if (writer) writer.copy(item.packet);
        else item.packet.packet.free();
        continue;
      }
      frames++;
      writer?.writeFrame(item.frame.rgb, item.frame.pts, item.frame.duration);
    }
    writer?.finish();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { frames, seconds, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    writer?.abort();
    reader.close();
    if (out !== null) rmSync(out, { force: true });
  }
}

/** One run of each pass over `clip`. */
export async function mediaRun(clip: string, out: string, encode: { crf: number; preset: string }): Promise<MediaRun> {
  const d = await pass(clip, null, encode);
  const t = await pass(clip, out, encode);
  return { frames: t.frames, decodeFps: d.frames / d.seconds, transcodeFps: t.frames / t.seconds, transcodeCpuMsPerFrame: t.cpuMs / t.frames };
}
