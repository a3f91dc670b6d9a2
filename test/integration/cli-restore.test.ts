/**
 * The `f2d` command as a user runs it (a child process): exit codes, error
 * text without stacks, `--json`, `--print-config`, damaged input and Ctrl-C,
 * with the f2d-tiny fixture model (real onnxruntime-node).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { corruptMiddle, makeClip, makeUnknownCodecClip, tmpDir } from '../helpers/clips.js';
import { decodesCleanly, framePtsTimes, probeStreams } from '../helpers/media-tools.js';

const MAIN = join('src', 'cli', 'main.ts');
const TINY_MODEL = join('test', 'fixtures', 'models', 'f2d-tiny');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function f2d(args: readonly string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: f2d restore (child process)', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = tmpDir('cli-restore');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const expectError = (r: Result, exit: number, code: string, ...patterns: RegExp[]): void => {
    assert.equal(r.code, exit, r.stderr);
    assert.match(r.stderr, new RegExp(`^error \\[${code}\\] `, 'm'));
    assert.match(r.stderr, /^hint: /m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --verbose');
    for (const p of patterns) assert.match(r.stderr, p);
  };

  it('--print-config shows the merged configuration', () => {
    const r = f2d(['--print-config', '--crf', '17'], { F2D_ENCODE_PRESET: 'slow' });
    assert.equal(r.code, 0, r.stderr);
    const cfg = JSON.parse(r.stdout) as { encode: { crf: number; preset: string } };
    assert.deepEqual(cfg.encode, { crf: 17, preset: 'slow', threads: 0 });
  });

  it('bad settings exit 2 naming the key', () => {
    expectError(f2d(['restore', 'x.mp4', '--threads=-1']), 2, 'ERR_CONFIG_INVALID', /model\.threads/);
  });

  it('input problems exit 3 naming the file; --verbose adds the stack', () => {
    const missing = join(dir, 'missing.mp4');
    expectError(f2d(['restore', missing, '-o', join(dir, 'o.mp4')]), 3, 'ERR_INPUT_NOT_FOUND', new RegExp(missing.replace(/[.]/g, '\\.')));
    const verbose = f2d(['restore', missing, '-o', join(dir, 'o.mp4'), '--verbose']);
    assert.equal(verbose.code, 3);
    assert.match(verbose.stderr, /\n\s+at /);
    const text = join(dir, 'notes.mp4');
    writeFileSync(text, 'just text');
    expectError(f2d(['restore', text, '-o', join(dir, 'o.mp4')]), 3, 'ERR_INPUT_NOT_MEDIA', /notes\.mp4/);
    const unknown = makeUnknownCodecClip(join(dir, 'unknown.avi'));
    expectError(f2d(['restore', unknown, '-o', join(dir, 'o.mp4')]), 3, 'ERR_INPUT_UNSUPPORTED_CODEC', /ZZZZ/);
  });

  it('output problems exit 7; nothing is written', () => {
    const input = makeClip(join(dir, 'in.mp4'));
    const existing = join(dir, 'exists.mp4');
    writeFileSync(existing, 'old');
    expectError(f2d(['restore', input, '-o', existing]), 7, 'ERR_OUTPUT_EXISTS', /--overwrite/);
    expectError(f2d(['restore', input, '-o', join(existing, 'sub.mp4')]), 7, 'ERR_OUTPUT_UNWRITABLE');
    expectError(f2d(['restore', input, '-o', join(dir, 'o.webm')]), 7, 'ERR_OUTPUT_FORMAT', /\.mkv/);
  });

  it('an unreadable model exits 5', () => {
    const input = makeClip(join(dir, 'in2.mp4'));
    expectError(f2d(['restore', input, '-o', join(dir, 'o2.mp4'), '--model', join(dir, 'no-model')]), 5, 'ERR_MODEL_NOT_FOUND', /no-model/);
    assert.equal(existsSync(join(dir, 'o2.mp4')), false);
  });

  it('restores with the fixture model and prints the --json summary', () => {
    const input = makeClip(join(dir, 'json.mp4'), { seconds: 1, audio: true });
    const output = join(dir, 'json-out.mp4');
    const r = f2d(['restore', input, '-o', output, '--model', TINY_MODEL, '--json', '--progress', 'lines']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { frames: number; seconds: number; fps: number; startupSec: number; steadyFps: number; stages: Record<string, number> };
    assert.equal(s.frames, 25);
    assert.ok(s.seconds > 0 && s.fps > 0);
    // Start-up (model load, first frame) is part of the run; the rate after it is at least the average.
    assert.ok(s.startupSec > 0 && s.startupSec < s.seconds, `startup ${s.startupSec} of ${s.seconds} s`);
    assert.ok(s.steadyFps >= s.fps, `steady ${s.steadyFps} vs average ${s.fps} fps`);
    for (const stage of ['decode', 'encode', 'wait']) assert.ok((s.stages[stage] ?? -1) >= 0, `stage ${stage}`);
    assert.ok(Object.keys(s.stages).some((k) => k.startsWith('model.')), 'model stage timings');
    assert.match(r.stderr, /progress: 25\/25 frames/);
    assert.match(r.stderr, /restored 25 frames in .* fps after .* s of start-up\) -> /);
    assert.equal(framePtsTimes(output).length, 25);
    assert.equal(probeStreams(output).filter((x) => x.type === 'audio').length, 1);
  });

  it('a damaged input: exit 4, a warning with the frame number, a playable output of the frames before', () => {
    const clean = makeClip(join(dir, 'long.mp4'), { seconds: 4 });
    const input = corruptMiddle(clean, join(dir, 'damaged.mp4'), 20_000);
    const output = join(dir, 'damaged-out.mp4');
    const r = f2d(['restore', input, '-o', output, '--model', TINY_MODEL]);
    assert.equal(r.code, 4, r.stderr);
    const m = /warning: input ".*damaged\.mp4" is damaged at frame (\d+)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    decodesCleanly(output);
    assert.equal(framePtsTimes(output).length, Number(m[1]));
  });

  it('Ctrl-C finishes a playable file of what was done and exits 130', async () => {
    const input = makeClip(join(dir, 'sigint.mp4'), { seconds: 20, fps: 25, audio: true });
    const output = join(dir, 'sigint-out.mp4');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'restore', input, '-o', output, '--model', TINY_MODEL, '--progress', 'lines', '--set', 'log.progressIntervalSec=0.2'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/progress: \d+/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted: the output holds the first (\d+) frames/);
    decodesCleanly(output);
    const frames = framePtsTimes(output).length;
    assert.ok(frames > 0 && frames < 500, `frames: ${frames}`);
  });

  it('f2d start restores the configured sample and says where it went', () => {
    const sample = makeClip(join(dir, 'sample.mp4'), { seconds: 1 });
    const output = join(dir, 'started.mp4');
    const r = f2d(['start', '--model', TINY_MODEL, '--set', `start.input=${sample}`, '--set', `start.output=${output}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`-> ${resolve(output)}`), r.stderr);
    assert.equal(framePtsTimes(output).length, 25);
  });
});
