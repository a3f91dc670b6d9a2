/**
 * The distributed queue end to end: a real redis-server, two real `f2d worker`
 * processes, one killed with SIGKILL while it restores a file. The other
 * redoes that file after the lock expires, and the output matches a
 * single-machine `f2d restore` of the same file (frame count, timestamps,
 * size, streams, pictures). A file that is not media fails its own job with
 * the error `f2d restore` gives, without holding up the other.
 */
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queueTarget } from '../../src/queue/queue-target.js';
import { queueStatus, type FileStatus } from '../../src/queue/status.js';
import { makeClip } from '../helpers/clips.js';
import { queueTestBed, runF2d, startWorker, type WorkerProcess } from '../helpers/f2d-processes.js';
import { TINY_MODEL } from '../helpers/live.js';
import { decodeVideo, framePtsTimes, probeStreams, psnrY } from '../helpers/media-tools.js';
import { freePort } from '../helpers/redis-server.js';

const QUEUE = 'f2d-test';
/** Short, so that a killed worker's job comes back within seconds. */
const LOCK_SEC = 2;

const f2d = runF2d;

function startQueueWorker(redisUrl: string): WorkerProcess {
  return startWorker(redisUrl, ['--model', TINY_MODEL, '--metrics-port', '0', '--set', `queue.name=${QUEUE}`, '--set', `queue.lockDurationSec=${LOCK_SEC}`]);
}

async function fileStatus(redisUrl: string, input: string): Promise<FileStatus | undefined> {
  const target = queueTarget({ redis: redisUrl, name: QUEUE, attempts: 3, connectTimeoutSec: 5, lockDurationSec: LOCK_SEC, concurrency: 1, metricsPort: null });
  return (await queueStatus(target)).files.find((f) => f.input === input);
}

describe('f2d queue + f2d worker: two workers on a real Redis, one killed mid-file', function () {
  this.timeout(300_000);
  const bed = queueTestBed('queue-workers');
  const { workers } = bed;

  it('redoes the killed worker\'s file on the other, equal to f2d restore; a non-media file fails alone', async () => {
    const url = bed.redisUrl;
    // 320x180, not the tiny default: at ~100 fps a 160x120 file was sometimes done before a poll saw it active.
    const input = makeClip(join(bed.dir, 'drive.mp4'), { seconds: 10, fps: 25, audio: true, width: 320, height: 180 });
    const bad = join(bed.dir, 'notes.mp4');
    writeFileSync(bad, 'not a video\n');
    const out = join(bed.dir, 'restored');
    workers.push(startQueueWorker(url), startQueueWorker(url));
    const names = await Promise.all(workers.map((w) => w.ready));

    const add = await f2d(['queue', 'add', input, bad, '-o', out, '--redis', url, '--set', `queue.name=${QUEUE}`]);
    assert.equal(add.code, 0, add.stderr);

    // Kill whichever worker took the video, once it has restored some frames.
    let active: FileStatus | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      active = await fileStatus(url, input);
      if (active?.state === 'active' && active.frames >= 25) break;
    }
    assert.equal(active?.state, 'active', `the video never got going: ${JSON.stringify(active)}`);
    const victim = names.findIndex((n) => n.name === active!.worker);
    assert.ok(victim >= 0, `no worker named ${active!.worker} among ${names.map((n) => n.name).join(', ')}`);
    workers[victim]!.child.kill('SIGKILL');
    const survivor = workers[1 - victim]!;

    // Meanwhile the file that is not media failed alone, at its first try: another cannot fix it.
    let failed: FileStatus | undefined;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && failed?.state !== 'failed'; await new Promise((r) => setTimeout(r, 200))) {
      failed = await fileStatus(url, bad);
    }
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.errorCode, 'ERR_INPUT_NOT_MEDIA');
    assert.equal(failed?.attempts, 1, 'an error another try cannot fix is not retried');

    // Adding again waits for the file in progress and tries the failed one once more (it may have been fixed).
    const wait = await f2d(['queue', 'add', input, bad, '-o', out, '--redis', url, '--set', `queue.name=${QUEUE}`, '--wait']);
    const output = join(out, 'drive-restored.mp4');
    assert.equal(wait.code, 3, `exit 3 (input) for the non-media file:\n${wait.stdout}\n${wait.stderr}`);
    assert.match(wait.stdout, new RegExp(`^${output.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(wait.stdout, /failed: .*notes\.mp4: ERR_INPUT_NOT_MEDIA: /);

    const done = await fileStatus(url, input);
    assert.equal(done?.state, 'done');
    assert.equal(done?.worker, names[1 - victim]!.name, 'the surviving worker finished the file');

    // The same file restored on one machine.
    const single = join(bed.dir, 'single.mp4');
    const one = await f2d(['restore', input, '-o', single, '--model', TINY_MODEL]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(framePtsTimes(output), framePtsTimes(single), 'same frames at the same timestamps');
    const [a, b] = [decodeVideo(output), decodeVideo(single)];
    assert.deepEqual([a.width, a.height, a.frames], [b.width, b.height, b.frames]);
    assert.deepEqual(probeStreams(output).map((s) => s.type), probeStreams(single).map((s) => s.type), 'the audio is kept');
    const psnr = psnrY(single, output);
    assert.ok(psnr >= 40, `pictures within encoder noise: ${psnr.toFixed(1)} dB`);

    // Adding a finished file again does not restore it again.
    const mtime = statSync(output).mtimeMs;
    const again = await f2d(['queue', 'add', input, '-o', out, '--redis', url, '--set', `queue.name=${QUEUE}`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /done: /);
    assert.equal(statSync(output).mtimeMs, mtime);

    // The survivor's metrics count the whole file.
    const metrics = await (await fetch(names[1 - victim]!.metricsUrl!)).text();
    assert.match(metrics, /^f2d_queue_jobs_total\{result="ok",service="worker"\} 1$/m, metrics);
    const frames = Number(/^f2d_queue_frames_total\{service="worker"\} (\d+)/m.exec(metrics)?.[1]);
    assert.ok(frames >= a.frames, `frames counted: ${frames}, file: ${a.frames}`);

    // Ctrl-C: the idle worker stops cleanly.
    const exited = new Promise<number | null>((resolve) => survivor.child.once('exit', resolve));
    survivor.child.kill('SIGINT');
    assert.equal(await exited, 130, survivor.output());
  });
});

describe('f2d queue: an unreachable Redis', function () {
  this.timeout(60_000);
  it('fails with ERR_QUEUE_REDIS within seconds instead of hanging', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const run = await f2d(['queue', 'status', '--redis', `redis://127.0.0.1:${port}`, '--set', 'queue.connectTimeoutSec=2']);
    assert.equal(run.code, 8, run.stderr);
    assert.match(run.stderr, /ERR_QUEUE_REDIS.*ECONNREFUSED/);
    assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
  });
});
