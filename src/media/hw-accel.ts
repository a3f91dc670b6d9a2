/**
 * What FFmpeg (node-av's build) offers for NVIDIA hardware video: the
 * device types compiled in, whether a CUDA device opens here, and the
 * NVDEC/NVENC codecs compiled in. For `f2d doctor`; the media path itself
 * decodes and encodes in software today.
 */
import { AV_HWDEVICE_TYPE_CUDA, Codec, HardwareContext } from 'node-av';
import {
  FF_DECODER_H264_CUVID,
  FF_DECODER_HEVC_CUVID,
  FF_ENCODER_H264_NVENC,
  FF_ENCODER_HEVC_NVENC,
  type FFDecoderCodec,
  type FFEncoderCodec,
} from 'node-av/constants';

/** One hardware codec of the build. */
export interface HwCodec {
  readonly name: string;
  readonly kind: 'decoder' | 'encoder';
  /** What it is for a user: `NVENC H.264`, `NVDEC HEVC` … */
  readonly role: string;
  /** In this FFmpeg build (it still needs a CUDA device and the driver's codec library to open). */
  readonly compiled: boolean;
}

/** FFmpeg's NVIDIA hardware support as found here. */
export interface FfmpegHardware {
  /** Hardware device types the build knows (`cuda`, `vaapi`, `vulkan` …). */
  readonly deviceTypes: readonly string[];
  /** A CUDA device opened (FFmpeg loads libcuda.so.1 for it: the driver). */
  readonly cudaDevice: boolean;
  readonly codecs: readonly HwCodec[];
}

const DECODERS: readonly [FFDecoderCodec, string][] = [
  [FF_DECODER_H264_CUVID, 'NVDEC H.264'],
  [FF_DECODER_HEVC_CUVID, 'NVDEC HEVC'],
];
const ENCODERS: readonly [FFEncoderCodec, string][] = [
  [FF_ENCODER_H264_NVENC, 'NVENC H.264'],
  [FF_ENCODER_HEVC_NVENC, 'NVENC HEVC'],
];

/** Asks node-av's FFmpeg (cheap: opening a CUDA device fails at once without a driver). */
export function ffmpegHardware(): FfmpegHardware {
  const deviceTypes = HardwareContext.listAvailable();
  let cudaDevice = false;
  if (deviceTypes.includes('cuda')) {
    const hw = HardwareContext.create(AV_HWDEVICE_TYPE_CUDA);
    cudaDevice = hw !== null;
    hw?.dispose();
  }
  const codecs: HwCodec[] = [
    ...DECODERS.map(([name, role]) => ({ name: String(name), kind: 'decoder' as const, role, compiled: Codec.findDecoderByName(name) !== null })),
    ...ENCODERS.map(([name, role]) => ({ name: String(name), kind: 'encoder' as const, role, compiled: Codec.findEncoderByName(name) !== null })),
  ];
  return { deviceTypes, cudaDevice, codecs };
}
