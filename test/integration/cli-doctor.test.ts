/**
 * `f2d doctor` as a user runs it, on this (GPU-less) machine: the CPU
 * provider opens and runs the model, CUDA cannot and says why, exit 0.
 * Then the probe's child process on its own: a child that dies or hangs is
 * reported, not thrown.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import type { DoctorReport } from '../../src/jobs/doctor.js';
import { probeProvider } from '../../src/model/provider-probe.js';
import { runF2d } from '../helpers/f2d-processes.js';

const TINY = join('test', 'fixtures', 'models', 'f2d-tiny');
const PARSER = resolve(TINY, 'parser.onnx');

describe('cli: f2d doctor (child process, real onnxruntime-node and node-av)', function () {
  this.timeout(180_000);

  it('--json: cpu usable, cuda not usable with a reason and a fix, FFmpeg codecs judged; exit 0', async () => {
    const r = await runF2d(['doctor', '--json', '--model', TINY]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.ok, true);
    assert.equal(report.graph, PARSER);
    assert.match(report.onnxruntime.version ?? '', /^1\.\d+\.\d+$/);
    const byName = new Map(report.onnxruntime.providers.map((p) => [p.name, p]));
    assert.equal(byName.get('cpu')?.usable, true, JSON.stringify(byName.get('cpu')));
    assert.match(byName.get('cpu')!.notes[0]!, /^a session opened in \d+ ms and ran in \d+ ms$/);
    const cuda = byName.get('cuda');
    assert.ok(cuda !== undefined, 'onnxruntime-node lists no cuda provider');
    // This machine has no NVIDIA GPU: cuda cannot run, and the report must say why and what to do.
    assert.equal(cuda.usable, false);
    assert.ok(cuda.problems.length > 0);
    assert.match(cuda.problems.join('\n'), /Failed to load shared library|not in .*onnxruntime-node|no NVIDIA driver/);
    assert.ok(cuda.fixes.length > 0);
    assert.equal(report.nvidia.problem !== null || report.nvidia.gpus.length > 0, true);
    const nvenc = report.ffmpeg.codecs.find((c) => c.name === 'h264_nvenc');
    assert.ok(nvenc !== undefined);
    assert.equal(nvenc.available, report.ffmpeg.cudaDevice && nvenc.problems.length === 0);
    assert.equal(r.stderr.includes('vkCreateInstance'), false, 'native noise from the probes reached the terminal');
  });

  it('prints a readable report without --json', async () => {
    const r = await runF2d(['doctor', '--model', TINY]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}cpu {6}usable/m);
    assert.match(r.stdout, /^ {2}cuda {5}not usable/m);
    assert.match(r.stdout, /^FFmpeg \(node-av\): hardware device types /m);
    assert.match(r.stdout, /^f2d can restore here; providers that work: cpu/m);
  });

  it('takes no restore flags: --crf is refused naming the key', async () => {
    const r = await runF2d(['doctor', '--crf', '18']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error \[ERR_CONFIG_USAGE\] f2d doctor does not use --crf \(encode\.crf\)/);
  });

  describe('probeProvider', () => {
    it('opens and runs a graph on cpu in a child process', async () => {
      const outcome = await probeProvider('cpu', PARSER);
      assert.equal(outcome.kind, 'reply');
      assert.equal(outcome.kind === 'reply' && outcome.reply.ok, true);
    });

    it('a child that dies before replying is "crashed", with what it printed', async () => {
      const env = { ...process.env, NODE_OPTIONS: '--require /nonexistent/f2d-preload.cjs' };
      const outcome = await probeProvider('cpu', PARSER, { env });
      assert.equal(outcome.kind, 'crashed');
      assert.match(outcome.kind === 'crashed' ? outcome.detail : '', /^exited with code 1: .*Cannot find module/);
    });

    it('a child that does not answer in time is killed and reported', async () => {
      const outcome = await probeProvider('cpu', PARSER, { timeoutMs: 1 });
      assert.deepEqual(outcome, { kind: 'timeout', afterMs: 1 });
    });

    it('an unknown provider is onnxruntime\'s own load error', async () => {
      const outcome = await probeProvider('no-such-provider', PARSER);
      assert.equal(outcome.kind, 'reply');
      if (outcome.kind === 'reply') {
        assert.equal(outcome.reply.ok, false);
        assert.match(outcome.reply.ok ? '' : outcome.reply.error, /no-such-provider/);
      }
    });
  });
});
