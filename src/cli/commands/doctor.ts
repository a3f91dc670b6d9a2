/**
 * `f2d doctor`: which onnxruntime providers and FFmpeg NVIDIA codecs can
 * actually run here, and why not (src/jobs/doctor.ts). Exit 0 when the CPU
 * path works, whatever the GPU says: a GPU is optional.
 */
import { EXIT_CODES } from '../../errors.js';
import { runDoctor } from '../../jobs/doctor.js';
import { ffmpegHardware } from '../../media/index.js';
import type { CommandArgs, CommandContext } from './context.js';
import { formatDoctorReport } from './doctor-report.js';

export async function doctorCommand(args: CommandArgs, ctx: CommandContext, stdout: NodeJS.WritableStream): Promise<number> {
  const report = await runDoctor({ modelDir: ctx.config.model.dir, ffmpeg: ffmpegHardware });
  stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
  return report.ok ? 0 : EXIT_CODES.model;
}
