/**
 * The doctor's judgement of onnxruntime providers, on made-up hosts and
 * probe outcomes: every reason a provider cannot run (provider files
 * missing, another onnxruntime release, CUDA libraries missing, no driver,
 * a crash, a hang) is named, and a working one says what served it.
 */
import assert from 'node:assert/strict';
import { checkProviders, judgeProvider, ortMessage, parseLdd } from '../../src/model/provider-checks.js';
import { loaderErrors, parseProbeOutput, type ProbeOutcome } from '../../src/model/provider-probe.js';
import { PROBE_MARKER, type ProbeReply } from '../../src/model/probe-protocol.js';
import { fakeHost } from '../helpers/fake-host.js';

const DIR = '/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64';
const BACKENDS = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
];
const base = { versions: { common: '1.29.0', node: '1.29.0' }, backends: BACKENDS, nativeDir: DIR };
const ok = (provider: string): ProbeOutcome => ({ kind: 'reply', reply: { ...base, provider, ok: true, loadMs: 812.4, runMs: 3.2 }, loaderErrors: [] });
const failed = (provider: string, error: string, loader: string[] = []): ProbeOutcome => ({
  kind: 'reply',
  reply: { ...base, provider, ok: false, stage: 'load', error },
  loaderErrors: loader,
});
const core = (ok('cpu') as Extract<ProbeOutcome, { kind: 'reply' }>).reply;

const PROC = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.133.20  Release Build\n';
const PROVIDER_FILES = { [`${DIR}/libonnxruntime_providers_shared.so`]: '', [`${DIR}/libonnxruntime_providers_cuda.so`]: 'onnxruntime 1.29.0' };
const LDD_OK = [
  '\tlinux-vdso.so.1 (0x00007ffd)',
  '\tlibcublasLt.so.13 => /py/nvidia/cublas/lib/libcublasLt.so.13 (0x1)',
  '\tlibcudart.so.13 => /py/nvidia/cuda_runtime/lib/libcudart.so.13 (0x2)',
  '\tlibcuda.so.1 => /usr/lib/x86_64-linux-gnu/libcuda.so.1 (0x3)',
  '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x4)',
].join('\n');
const GPU_HOST = {
  ...PROVIDER_FILES,
  '/proc/driver/nvidia/version': PROC,
  '/usr/lib/x86_64-linux-gnu/libcuda.so.1': '',
  '/py/nvidia/cudnn/lib/libcudnn.so.9': '',
};

describe('model/provider-checks', () => {
  it('cuda without its provider files: names both files and the folder, and the two install routes', () => {
    const s = judgeProvider('cuda', false, failed('cuda', 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'), fakeHost({}), core);
    assert.equal(s.usable, false);
    assert.match(s.problems[0]!, /Failed to load shared library/);
    assert.ok(s.problems.some((p) => p.includes(`libonnxruntime_providers_shared.so and libonnxruntime_providers_cuda.so not in ${DIR}`)), s.problems.join('\n'));
    assert.ok(s.problems.some((p) => /libcudart\.so\.\*, libcublas\.so\.\*, libcublasLt\.so\.\*, libcurand\.so\.\*, libcudnn\.so\.9 not found/.test(p)), s.problems.join('\n'));
    assert.ok(s.problems.some((p) => /^no NVIDIA driver/.test(p)));
    assert.ok(s.fixes.some((f) => f.includes('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node') && f.includes('scripts/gpu/pack-cuda.sh')), s.fixes.join('\n'));
  });

  it('a provider of another onnxruntime release than the core: both versions, and what to pair', () => {
    const host = fakeHost({ ...GPU_HOST, [`${DIR}/libonnxruntime_providers_cuda.so`]: '1.29.0' });
    const s = judgeProvider('cuda', false, failed('cuda', 'Failed to load shared library'), host, { ...core, versions: { node: '1.30.0' } });
    assert.ok(s.problems.includes('libonnxruntime_providers_cuda.so is onnxruntime 1.29.0, the core is 1.30.0: provider and core must be the same release'), s.problems.join('\n'));
    assert.ok(s.fixes.includes('use onnxruntime-node@1.29.0 with this provider, or the provider of onnxruntime 1.30.0'));
  });

  it('the CUDA libraries the provider needs (from ldd) that are missing, with what the loader said', () => {
    const ldd = '\tlibcublasLt.so.13 => not found\n\tlibcudart.so.13 => /usr/local/cuda-13.0/lib/libcudart.so.13 (0x1)\n\tlibcuda.so.1 => not found\n';
    const host = fakeHost({ ...PROVIDER_FILES }, { [`ldd ${DIR}/libonnxruntime_providers_cuda.so`]: ldd }, { LD_LIBRARY_PATH: '/opt/x' });
    const loader = [`${DIR}/libonnxruntime_providers_cuda.so: libcublasLt.so.13: cannot open shared object file: No such file or directory`];
    const s = judgeProvider('cuda', false, failed('cuda', 'Failed to load shared library', loader), host, core);
    assert.ok(s.problems.some((p) => p.startsWith('dynamic loader: ') && p.includes('libcublasLt.so.13: cannot open')));
    // libcuda.so.1 belongs to the driver: reported there, not as a CUDA runtime library.
    assert.ok(s.problems.some((p) => /^libcublasLt\.so\.13, libcudnn\.so\.9 not found \(looked in LD_LIBRARY_PATH \(\/opt\/x\)/.test(p)), s.problems.join('\n'));
    assert.ok(s.notes.includes('libcudart.so.13: /usr/local/cuda-13.0/lib/libcudart.so.13'));
    assert.ok(s.notes.includes('libonnxruntime_providers_cuda.so: onnxruntime 1.29.0'));
    assert.ok(s.fixes.some((f) => f.includes('LD_LIBRARY_PATH') && f.includes('site-packages/nvidia/*/lib')));
  });

  it('a working cuda says what served it: timings, libraries, driver', () => {
    const commands = { [`ldd ${DIR}/libonnxruntime_providers_cuda.so`]: LDD_OK, 'nvidia-smi': 'NVIDIA H200, 143771 MiB, 570.133.20\n' };
    const host = fakeHost(GPU_HOST, commands, { LD_LIBRARY_PATH: '/py/nvidia/cublas/lib:/py/nvidia/cudnn/lib' });
    const s = judgeProvider('cuda', false, ok('cuda'), host, core);
    assert.equal(s.usable, true);
    assert.deepEqual(s.problems, []);
    assert.deepEqual(s.fixes, []);
    assert.equal(s.notes[0], 'a session opened in 812 ms and ran in 3 ms');
    for (const note of [
      'libcublasLt.so.13: /py/nvidia/cublas/lib/libcublasLt.so.13',
      'libcudnn.so.9: /py/nvidia/cudnn/lib/libcudnn.so.9',
      'NVIDIA driver 570.133.20: NVIDIA H200, 143771 MiB, 570.133.20',
    ]) {
      assert.ok(s.notes.includes(note), `${note} not in\n${s.notes.join('\n')}`);
    }
    // System libraries (libc) are not listed: only what a GPU setup gets wrong; libcuda.so.1 once, with the driver.
    assert.ok(!s.notes.some((n) => n.startsWith('libc.so')));
    assert.equal(s.notes.filter((n) => n.startsWith('libcuda.so.1')).length, 1);
  });

  it('a driver without its user-space library (libcuda.so.1)', () => {
    const s = judgeProvider('cuda', false, failed('cuda', 'x'), fakeHost({ '/proc/driver/nvidia/version': PROC }), core);
    assert.ok(s.problems.some((p) => /^libcuda\.so\.1 not found .*\(the driver's user-space library\)$/.test(p)), s.problems.join('\n'));
  });

  it('webgpu without an adapter: the cleaned onnxruntime message and the Vulkan fix', () => {
    const error =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters';
    const s = judgeProvider('webgpu', true, failed('webgpu', error), fakeHost({ '/usr/lib/x86_64-linux-gnu/libvulkan.so.1': '' }), core);
    assert.deepEqual(s.problems, ['onnxruntime: Failed to get a WebGPU adapter: No supported adapters']);
    assert.deepEqual(s.notes, ['libvulkan.so.1: /usr/lib/x86_64-linux-gnu/libvulkan.so.1']);
    assert.deepEqual(s.fixes, ['webgpu needs a Vulkan adapter: a GPU driver, or Mesa lavapipe >= 25']);
    const noLoader = judgeProvider('webgpu', true, failed('webgpu', error), fakeHost({}), core);
    assert.ok(noLoader.fixes[0]!.startsWith('install the Vulkan loader (libvulkan1)'));
  });

  it('a probe that crashed or hung is a reason, not an exception', () => {
    const crashed = judgeProvider('cuda', false, { kind: 'crashed', detail: 'killed by SIGSEGV' }, fakeHost(GPU_HOST), core);
    assert.equal(crashed.usable, false);
    assert.equal(crashed.problems[0], 'the process trying it crashed (killed by SIGSEGV)');
    const hung = judgeProvider('webgpu', true, { kind: 'timeout', afterMs: 60_000 }, fakeHost({}), core);
    assert.equal(hung.problems[0], 'opening a session on it did not finish in 60 s');
  });

  it('checkProviders: cpu first, then every backend onnxruntime-node lists, each probed once', async () => {
    const asked: string[] = [];
    const report = await checkProviders(fakeHost({}), async (p) => {
      asked.push(p);
      return p === 'cpu' ? ok('cpu') : failed(p, 'no');
    });
    assert.deepEqual(asked, ['cpu', 'webgpu', 'cuda']);
    assert.equal(report.version, '1.29.0');
    assert.equal(report.nativeDir, DIR);
    assert.deepEqual(report.providers.map((p) => [p.name, p.bundled, p.usable]), [['cpu', true, true], ['webgpu', true, false], ['cuda', false, false]]);
  });

  it('checkProviders when even cpu crashes: the usual providers, onnxruntime version unknown', async () => {
    const report = await checkProviders(fakeHost({}), async () => ({ kind: 'crashed', detail: 'exited with code 1' }));
    assert.equal(report.version, null);
    assert.deepEqual(report.providers.map((p) => [p.name, p.bundled, p.usable]), [['cpu', null, false], ['webgpu', null, false], ['cuda', null, false], ['tensorrt', null, false]]);
  });

  it('parses ldd, the probe line and onnxruntime\'s loader log', () => {
    assert.deepEqual(parseLdd('\tlinux-vdso.so.1 (0x1)\n\tlibcublasLt.so.13 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x2)\n'), [
      { name: 'libcublasLt.so.13', path: null },
      { name: 'libc.so.6', path: '/lib/libc.so.6' },
    ]);
    const reply: ProbeReply = { ...base, provider: 'cpu', ok: true, loadMs: 1, runMs: 1 };
    assert.deepEqual(parseProbeOutput(`noise\n${PROBE_MARKER}${JSON.stringify(reply)}\n`), reply);
    assert.equal(parseProbeOutput(`${PROBE_MARKER}{"cut`), null);
    assert.equal(parseProbeOutput(''), null);
    const log =
      '\u001b[1;31m2026-12-02 02:50:49.37 [E:onnxruntime:onnxruntime-node, provider_bridge_ort.cc:2146 Create] /onnxruntime_src/x.cc:1988 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /d/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory\n\u001b[m\n';
    assert.deepEqual(loaderErrors(log), ['/d/libonnxruntime_providers_cuda.so: libcublasLt.so.13: cannot open shared object file: No such file or directory']);
    assert.equal(ortMessage('plain message'), 'plain message');
  });
});
