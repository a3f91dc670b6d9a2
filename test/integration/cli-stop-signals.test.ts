/**
 * SIGTERM (systemd, Docker, `kill`) stops `f2d restore` and `f2d serve
 * --record` as Ctrl-C does, in a real child process: the restore finishes a
 * playable file of the frames done and exits 143 with no hidden partial file
 * left; the server closes its open recording segment so that it plays, and
 * exits 128 + the signal's number like the restore (130 for Ctrl-C).
 * Before, SIGTERM killed the process at once: no output, a hidden partial
 * file, and a segment without its index.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeClip, tmpDir } from '../helpers/clips.js';
import { SAMPLE_CLIP, TINY_MODEL } from '../helpers/live.js';
import { decodeVideo, decodesCleanly, framePtsTimes } from '../helpers/media-tools.js';

const MAIN = join('src', 'cli', 'main.ts');

/** Runs `f2d args…`, sends `signal` once `ready(stderr)` holds, and resolves with the exit code and stderr. */
function runUntil(args: readonly string[], ready: (stderr: string) => boolean, signal: NodeJS.Signals, delayMs = 0): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let sent = false;
  // A child that never gets ready must not outlive the test.
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && ready(stderr)) {
        sent = true;
        setTimeout(() => child.kill(signal), delayMs);
      }
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

describe('cli: SIGTERM stops like Ctrl-C (child process)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = tmpDir('cli-stop-signals');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('f2d restore: a playable file of the frames done, exit 143, no hidden partial file', async () => {
    const input = makeClip(join(dir, 'long.mp4'), { seconds: 20, fps: 25, audio: true });
    const output = join(dir, 'long-out.mp4');
    const args = ['restore', input, '-o', output, '--model', TINY_MODEL, '--progress', 'lines', '--set', 'log.progressIntervalSec=0.2'];
    const { code, stderr } = await runUntil(args, (s) => /progress: \d+/.test(s), 'SIGTERM');
    assert.equal(code, 143, stderr);
    assert.match(stderr, /SIGTERM: stopping after the frame in progress/);
    assert.match(stderr, /interrupted: the output holds the first (\d+) frames/);
    decodesCleanly(output);
    const frames = framePtsTimes(output).length;
    assert.ok(frames > 0 && frames < 500, `frames: ${frames}`);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no hidden partial file');
  });

  it('f2d restore: SIGHUP with the terminal gone (stderr closed) still finishes the output, exit 129', async () => {
    const input = makeClip(join(dir, 'hup.mp4'), { seconds: 20, fps: 25 });
    const output = join(dir, 'hup-out.mp4');
    const args = ['restore', input, '-o', output, '--model', TINY_MODEL, '--progress', 'lines', '--set', 'log.progressIntervalSec=0.1'];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((resolve) => {
      let seen = '';
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (!/progress: \d+/.test(seen)) return;
        child.stderr.off('data', onData);
        // What a closed terminal does: the next writes to it fail, and the process gets SIGHUP.
        child.stderr.destroy();
        child.kill('SIGHUP');
      };
      child.stderr.on('data', onData);
      child.on('exit', (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    assert.equal(code, 129);
    decodesCleanly(output);
    assert.ok(framePtsTimes(output).length > 0);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no hidden partial file');
  });

  it('f2d serve: Ctrl-C (SIGINT) stops it with exit 130, as it stops the other commands', async () => {
    const args = [
      'serve', '--source', SAMPLE_CLIP, '--loop', '--port', '0', '--model', TINY_MODEL,
      '--set', 'serve.width=160', '--set', 'serve.height=120', '--set', 'model.threads=1',
    ];
    // Before, a stopped server exited 0, so a supervisor could not tell a stop from a source that ended.
    const { code, stderr } = await runUntil(args, (s) => /source .* open at/.test(s), 'SIGINT', 500);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT: stopping/);
    assert.match(stderr, /stopped: \d+ frames in/);
  });

  it('f2d serve --record: the open segment is closed and plays', async () => {
    const record = join(dir, 'recordings');
    const args = [
      'serve', '--source', SAMPLE_CLIP, '--loop', '--port', '0', '--record', record, '--model', TINY_MODEL,
      '--set', 'serve.width=160', '--set', 'serve.height=120', '--set', 'serve.record.segmentSec=600', '--set', 'model.threads=1',
    ];
    // Stop a second after recording starts, well inside the first (10-minute) segment.
    const { code, stderr } = await runUntil(args, (s) => /recording the restored stream/.test(s), 'SIGTERM', 1000);
    assert.equal(code, 143, stderr);
    assert.match(stderr, /SIGTERM: stopping/);
    assert.ok(existsSync(record), stderr);
    const segments = readdirSync(record).filter((f) => f.endsWith('.mp4'));
    assert.equal(segments.length, 1, segments.join(', '));
    const segment = decodeVideo(join(record, segments[0]!));
    assert.ok(segment.frames > 0, `${segment.frames} frames in ${segments[0]}`);
  });
});
