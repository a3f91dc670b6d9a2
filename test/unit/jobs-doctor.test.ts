/**
 * `f2d doctor`'s report without a GPU, a child process or FFmpeg: FFmpeg's
 * NVIDIA codecs judged from made-up answers, the report's `ok` (the CPU
 * path), and the text the command prints.
 */
import assert from 'node:assert/strict';
import { formatDoctorReport } from '../../src/cli/commands/doctor-report.js';
import { judgeFfmpeg, runDoctor } from '../../src/jobs/doctor.js';
import type { FfmpegHardware } from '../../src/media/index.js';
import type { ProbeOutcome } from '../../src/model/provider-probe.js';
import { fakeHost } from '../helpers/fake-host.js';

const TINY = 'test/fixtures/models/f2d-tiny';
const NO_GPU: FfmpegHardware = {
  deviceTypes: ['cuda', 'vaapi', 'vulkan'],
  cudaDevice: false,
  codecs: [
    { name: 'h264_cuvid', kind: 'decoder', role: 'NVDEC H.264', compiled: true },
    { name: 'h264_nvenc', kind: 'encoder', role: 'NVENC H.264', compiled: true },
  ],
};
const reply = (provider: string, ok: boolean): ProbeOutcome => ({
  kind: 'reply',
  reply: {
    provider,
    versions: { node: '1.30.0' },
    backends: [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }],
    nativeDir: '/ort',
    ...(ok ? { ok: true, loadMs: 100, runMs: 2 } : { ok: false, stage: 'load', error: 'Failed to load shared library' }),
  },
  loaderErrors: [],
});

describe('jobs/doctor', () => {
  it('an NVIDIA codec is available only with a CUDA device and the driver library it opens', () => {
    const none = judgeFfmpeg(NO_GPU, fakeHost({}));
    assert.equal(none.cudaProblem, 'FFmpeg cannot open a CUDA device (it needs an NVIDIA GPU and the driver: libcuda.so.1)');
    assert.deepEqual(none.codecs.map((c) => [c.name, c.available]), [['h264_cuvid', false], ['h264_nvenc', false]]);
    assert.equal(none.codecs[1]!.problems[0], 'no CUDA device');
    assert.match(none.codecs[1]!.problems[1]!, /^libnvidia-encode\.so\.1 not found \(looked in/);

    const gpu = judgeFfmpeg({ ...NO_GPU, cudaDevice: true }, fakeHost({ '/usr/lib/x86_64-linux-gnu/libnvidia-encode.so.1': '' }));
    assert.equal(gpu.cudaProblem, null);
    assert.deepEqual(gpu.codecs.map((c) => [c.name, c.available]), [['h264_cuvid', false], ['h264_nvenc', true]]);
    assert.match(gpu.codecs[0]!.problems.join(), /libnvcuvid\.so\.1 not found/);

    const build = judgeFfmpeg({ deviceTypes: ['vaapi'], cudaDevice: false, codecs: [{ ...NO_GPU.codecs[1]!, compiled: false }] }, fakeHost({}));
    assert.equal(build.cudaProblem, "node-av's FFmpeg has no CUDA device type");
    assert.equal(build.codecs[0]!.problems[0], "not in node-av's FFmpeg build");
  });

  it('is ok when cpu works, whatever cuda says, and probes the model\'s parser graph', async () => {
    const graphs = new Set<string>();
    const report = await runDoctor({
      modelDir: TINY,
      host: fakeHost({}),
      probe: async (provider, graph) => {
        graphs.add(graph);
        return reply(provider, provider === 'cpu');
      },
      ffmpeg: () => NO_GPU,
    });
    assert.equal(report.ok, true);
    assert.deepEqual([...graphs].map((g) => g.replace(/\\/g, '/').split('/').slice(-2).join('/')), ['f2d-tiny/parser.onnx']);
    assert.deepEqual(report.onnxruntime.providers.map((p) => [p.name, p.usable]), [['cpu', true], ['cuda', false]]);

    const text = formatDoctorReport(report);
    assert.match(text, /^onnxruntime-node 1\.30\.0, native libraries in \/ort$/m);
    assert.match(text, /^ {2}cpu {6}usable {7}a session opened in 100 ms and ran in 2 ms$/m);
    assert.match(text, /^ {2}cuda {5}not usable {3}onnxruntime: Failed to load shared library$/m);
    assert.match(text, /^ {24}fix: install onnxruntime-node's CUDA provider/m);
    assert.match(text, /^ {2}h264_nvenc NVENC H\.264 {2}not available: no CUDA device; libnvidia-encode\.so\.1 not found/m);
    assert.match(text, /^f2d can restore here; providers that work: cpu/m);
  });

  it('is not ok when cpu fails too, and says so', async () => {
    const report = await runDoctor({ modelDir: TINY, host: fakeHost({}), probe: async (p) => reply(p, false), ffmpeg: () => NO_GPU });
    assert.equal(report.ok, false);
    assert.match(formatDoctorReport(report), /f2d cannot restore here: not even the CPU provider opens the model/);
  });

  it('a model directory without a manifest is the usual model error', async () => {
    await assert.rejects(runDoctor({ modelDir: 'test/fixtures/no-such-model', host: fakeHost({}), probe: async (p) => reply(p, true), ffmpeg: () => NO_GPU }), {
      code: 'ERR_MODEL_NOT_FOUND',
    });
  });
});
