/**
 * `f2d doctor`'s job: what can run here. onnxruntime's providers are tried
 * for real (provider-checks.ts), FFmpeg's NVIDIA decoders and encoders are
 * judged from the build, a CUDA device and the driver's codec libraries.
 *
 * The host, the probe and FFmpeg's answers are passed in, so that the report
 * is tested without a GPU (test/unit/jobs-doctor.test.ts).
 */
import type { FfmpegHardware } from '../media/index.js';
import { loadManifest } from '../model/manifest.js';
import { checkProviders, type OnnxruntimeReport } from '../model/provider-checks.js';
import { probeProvider, type ProbeOutcome } from '../model/provider-probe.js';
import { describeLookup, findLibrary, nvidiaDriver, systemHost, type HostProbe, type NvidiaDriver } from '../native-libs.js';

/** One NVIDIA codec of node-av's FFmpeg. */
export interface CodecStatus {
  readonly name: string;
  readonly kind: 'decoder' | 'encoder';
  readonly role: string;
  /** Compiled in, a CUDA device opens, and the driver's codec library is found (no encoder is opened). */
  readonly available: boolean;
  readonly problems: readonly string[];
}

/** Everything `f2d doctor` says. */
export interface DoctorReport {
  /** The CPU path works: f2d can restore here. */
  readonly ok: boolean;
  readonly node: string;
  readonly platform: string;
  /** The graph each provider was tried with. */
  readonly graph: string;
  readonly onnxruntime: OnnxruntimeReport;
  readonly nvidia: NvidiaDriver;
  readonly ffmpeg: {
    readonly deviceTypes: readonly string[];
    readonly cudaDevice: boolean;
    /** Why no CUDA device opens, or `null`. */
    readonly cudaProblem: string | null;
    readonly codecs: readonly CodecStatus[];
  };
}

/** The driver's library each NVIDIA codec family opens. */
const CODEC_LIBRARY: Readonly<Record<CodecStatus['kind'], string>> = { decoder: 'libnvcuvid.so.1', encoder: 'libnvidia-encode.so.1' };

/** Judges FFmpeg's NVIDIA codecs. */
export function judgeFfmpeg(hw: FfmpegHardware, host: HostProbe): DoctorReport['ffmpeg'] {
  const cudaProblem = hw.cudaDevice
    ? null
    : hw.deviceTypes.includes('cuda')
      ? 'FFmpeg cannot open a CUDA device (it needs an NVIDIA GPU and the driver: libcuda.so.1)'
      : "node-av's FFmpeg has no CUDA device type";
  const codecs = hw.codecs.map((c): CodecStatus => {
    const problems: string[] = [];
    if (!c.compiled) problems.push("not in node-av's FFmpeg build");
    if (cudaProblem !== null) problems.push('no CUDA device');
    const lib = findLibrary(host, CODEC_LIBRARY[c.kind]);
    if (lib.path === null) problems.push(describeLookup(lib));
    return { name: c.name, kind: c.kind, role: c.role, available: problems.length === 0, problems };
  });
  return { deviceTypes: hw.deviceTypes, cudaDevice: hw.cudaDevice, cudaProblem, codecs };
}

export interface DoctorOptions {
  /** Model directory (config `model.dir`): its parser graph is what each provider opens. */
  readonly modelDir: string;
  readonly host?: HostProbe;
  readonly probe?: (provider: string, graph: string) => Promise<ProbeOutcome>;
  /** node-av's answers (ffmpegHardware() from src/media). */
  readonly ffmpeg: () => FfmpegHardware;
}

/**
 * Runs every check.
 *
 * @throws {F2dError} the model directory's errors (ERR_MODEL_NOT_FOUND …): without a graph nothing can be tried.
 * @example
 * const report = await runDoctor({ modelDir: 'models/f2d-lite', ffmpeg: ffmpegHardware });
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const host = options.host ?? systemHost();
  const probe = options.probe ?? ((provider: string, graph: string) => probeProvider(provider, graph));
  // The parser: a few hundred KB, opens in well under a second on any provider.
  const { files } = await loadManifest(options.modelDir);
  const onnxruntime = await checkProviders(host, (provider) => probe(provider, files.parser));
  const ok = onnxruntime.providers.some((p) => p.name === 'cpu' && p.usable);
  return {
    ok,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    graph: files.parser,
    onnxruntime,
    nvidia: nvidiaDriver(host),
    ffmpeg: judgeFfmpeg(options.ffmpeg(), host),
  };
}
