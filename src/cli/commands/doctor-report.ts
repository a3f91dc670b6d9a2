/** The text `f2d doctor` prints (the JSON form is the report itself). */
import type { DoctorReport } from '../../jobs/doctor.js';
import type { ProviderStatus } from '../../model/provider-checks.js';

const INDENT = ' '.repeat(24);

function providerLines(p: ProviderStatus): string[] {
  const head = `  ${p.name.padEnd(9)}${p.usable ? 'usable' : 'not usable'}`.padEnd(INDENT.length);
  // An unusable provider shows why first; a usable one what served it.
  const lines = p.usable ? [...p.notes] : [...p.problems, ...p.notes];
  for (const fix of p.fixes) lines.push(`fix: ${fix}`);
  if (lines.length === 0) return [head.trimEnd()];
  return [`${head}${lines[0]!}`, ...lines.slice(1).map((l) => `${INDENT}${l}`)];
}

/** What `f2d doctor` prints without `--json`. */
export function formatDoctorReport(r: DoctorReport): string {
  const ort = r.onnxruntime;
  const usable = ort.providers.filter((p) => p.usable).map((p) => p.name);
  const codecLines = r.ffmpeg.codecs.map((c) => {
    const head = `  ${c.name.padEnd(11)}${c.role.padEnd(13)}`;
    return c.available ? `${head}available` : `${head}not available: ${c.problems.join('; ')}`;
  });
  return [
    `f2d doctor (node ${r.node}, ${r.platform}): each provider opens and runs ${r.graph} in a child process`,
    '',
    `onnxruntime-node ${ort.version ?? '(did not load)'}, native libraries in ${ort.nativeDir ?? '?'}`,
    ...ort.providers.flatMap(providerLines),
    '',
    `NVIDIA driver: ${r.nvidia.problem ?? `${r.nvidia.version ?? '?'}${r.nvidia.gpus.length > 0 ? ` (${r.nvidia.gpus.join('; ')})` : ''}`}`,
    '',
    `FFmpeg (node-av): hardware device types ${r.ffmpeg.deviceTypes.join(', ') || 'none'}; ${r.ffmpeg.cudaProblem ?? 'a CUDA device opens'}`,
    ...codecLines,
    '',
    r.ok
      ? `f2d can restore here; providers that work: ${usable.join(', ')} (--provider <name>)`
      : 'f2d cannot restore here: not even the CPU provider opens the model (see cpu above)',
  ].join('\n');
}
