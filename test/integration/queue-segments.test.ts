/**
 * Segment-parallel restoration end to end: a real redis-server, two real
 * `f2d worker` processes with `queue.segmentSec` 2, and a 6 s clip with audio
 * and a key frame every second, so three segments. The worker restoring a
 * segment is killed with SIGKILL mid-segment: that segment alone is redone
 * by the other, the finished ones are not, and the joined output equals a
 * single-machine `f2d restore` of the file (frame count, per-frame
 * timestamps, size, audio packets; pictures within encoder noise).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { jobIdFor, SEGMENT_JOB } from '../../src/queue/job-data.js';
import { queueTarget } from '../../src/queue/queue-target.js';
import { queueStatus } from '../../src/queue/status.js';
import { makeClip, tmpDir } from '../helpers/clips.js';
import { runF2d, startWorker, type WorkerProcess } from '../helpers/f2d-processes.js';
import { TINY_MODEL } from '../helpers/live.js';
import { decodeVideo, decodesCleanly, framePtsTimes, probeStreams, psnrY } from '../helpers/media-tools.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { requires } from '../helpers/requires.js';

const QUEUE = 'f2d-segments-test';
/** Short, so that a killed worker's segment comes back within seconds. */
const LOCK_SEC = 2;
const QUEUE_SETTINGS = ['--set', `queue.name=${QUEUE}`, '--set', 'queue.segmentSec=2'];

const f2d = runF2d;

function startSegmentWorker(redisUrl: string): WorkerProcess {
  return startWorker(redisUrl, ['--model', TINY_MODEL, ...QUEUE_SETTINGS, '--set', `queue.lockDurationSec=${LOCK_SEC}`]);
}

describe('f2d queue with queue.segmentSec: a long video in segments on two workers, one killed mid-segment', function () {
  this.timeout(300_000);
  let redis: RedisServer | undefined;
  let dir: string;
  const workers: WorkerProcess[] = [];

  before(async function () {
    requires(this, 'redis-server');
    redis = await startRedisServer();
    dir = resolve(tmpDir('queue-segments'));
  });
  after(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('redoes only the killed segment, and the joined file equals f2d restore of it', async () => {
    const url = redis!.url;
    // 320x180 rather than the tiny default: a segment then takes long enough to be caught mid-way.
    const input = makeClip(join(dir, 'drive.mp4'), { seconds: 6, fps: 25, gop: 25, audio: true, width: 320, height: 180 });
    const out = join(dir, 'restored');
    workers.push(startSegmentWorker(url), startSegmentWorker(url));
    const names = (await Promise.all(workers.map((w) => w.ready))).map((w) => w.name);
    const queue = new Queue(QUEUE, { connection: { url } });
    try {
      const add = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS]);
      assert.equal(add.code, 0, add.stderr);

      // Kill the worker of a segment in progress.
      let victimSegment: string | undefined;
      let victimWorker: string | undefined;
      for (const deadline = Date.now() + 90_000; Date.now() < deadline && victimSegment === undefined; await new Promise((r) => setTimeout(r, 50))) {
        for (const job of await queue.getJobs(['active'])) {
          const frames = (job.progress as { frames?: number } | undefined)?.frames ?? 0;
          if (job.name === SEGMENT_JOB && frames >= 1 && frames < 45 && job.processedBy !== undefined) {
            victimSegment = job.id;
            victimWorker = job.processedBy;
            break;
          }
        }
      }
      assert.ok(victimSegment !== undefined, 'no segment was seen in progress');
      const victim = names.indexOf(victimWorker!);
      assert.ok(victim >= 0, `no worker named ${victimWorker} among ${names.join(', ')}`);
      workers[victim]!.child.kill('SIGKILL');

      const wait = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
      const output = join(out, 'drive-restored.mp4');
      assert.equal(wait.code, 0, `${wait.stdout}\n${wait.stderr}\n${workers[1 - victim]!.output()}`);
      assert.ok(wait.stdout.includes(output), wait.stdout);

      // Three segments; the killed one started twice, every other once.
      const segments = (await queue.getJobs(['completed'])).filter((j) => j.name === SEGMENT_JOB);
      assert.equal(segments.length, 3);
      for (const s of segments) assert.equal(s.attemptsStarted, s.id === victimSegment ? 2 : 1, `segment ${s.id} started ${s.attemptsStarted} times`);
      const status = (await queueStatus(queueTarget({ redis: url, name: QUEUE, attempts: 3, connectTimeoutSec: 5 }))).files;
      assert.equal(status.length, 1, 'one file in the status, not its segments');
      assert.equal(status[0]?.state, 'done');
      assert.deepEqual(status[0]?.segments, { done: 3, total: 3 });
      assert.ok(!existsSync(join(out, '.f2d-work')) || !existsSync(join(out, '.f2d-work', status[0]!.jobId)), 'the work folder is removed');
    } finally {
      await queue.close();
    }

    // The same file restored on one machine.
    const output = join(out, 'drive-restored.mp4');
    const single = join(dir, 'single.mp4');
    const one = await f2d(['restore', input, '-o', single, '--model', TINY_MODEL]);
    assert.equal(one.code, 0, one.stderr);
    decodesCleanly(output);
    assert.deepEqual(framePtsTimes(output), framePtsTimes(single), 'same frames at the same timestamps');
    const [a, b] = [decodeVideo(output), decodeVideo(single)];
    assert.deepEqual([a.width, a.height, a.frames], [b.width, b.height, b.frames]);
    const streams = (path: string): string[] => probeStreams(path).map((s) => `${s.type} ${s.codec}${s.type === 'audio' ? ` ${s.packets} packets` : ''}`);
    assert.deepEqual(streams(output), streams(single), 'the audio is kept, every packet');
    const psnr = psnrY(single, output);
    assert.ok(psnr >= 35, `pictures within encoder noise: ${psnr.toFixed(1)} dB`);
  });

  it('fails the file with the error of a segment that fails for good; added again, it is cut anew and restored', async () => {
    const url = redis!.url;
    const input = makeClip(join(dir, 'park.mp4'), { seconds: 4, fps: 25, gop: 25 });
    const out = join(dir, 'restored');
    const output = join(out, 'park-restored.mp4');
    // A directory where the second segment's restored file goes: that segment fails (ERR_OUTPUT_IS_DIR).
    const blocker = join(out, '.f2d-work', jobIdFor(output), 'seg-0001-restored.mp4');
    mkdirSync(blocker, { recursive: true });
    if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) {
      workers.push(startSegmentWorker(url));
      await workers.at(-1)!.ready;
    }
    const failed = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
    assert.equal(failed.code, 7, `exit 7 (output):\n${failed.stdout}\n${failed.stderr}`);
    assert.match(failed.stdout, /failed: .*park\.mp4: ERR_OUTPUT_IS_DIR: .*in a segment of/);
    const status = (await queueStatus(queueTarget({ redis: url, name: QUEUE, attempts: 3, connectTimeoutSec: 5 }))).files.find((f) => f.input === input);
    assert.equal(status?.state, 'failed');
    assert.equal(status?.errorCode, 'ERR_OUTPUT_IS_DIR');

    rmSync(blocker, { recursive: true });
    const again = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    assert.deepEqual(framePtsTimes(output), framePtsTimes(input), 'every frame at its time');
    const done = (await queueStatus(queueTarget({ redis: url, name: QUEUE, attempts: 3, connectTimeoutSec: 5 }))).files.find((f) => f.input === input);
    assert.deepEqual([done?.state, done?.segments], ['done', { done: 2, total: 2 }]);
  });
});
