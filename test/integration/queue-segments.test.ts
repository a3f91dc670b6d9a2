/**
 * Segment-parallel restoration end to end: a real redis-server, two real
 * `f2d worker` processes with `queue.segmentSec` 2, and a 6 s clip with audio
 * and a key frame every second, so three segments. The worker restoring a
 * segment is killed with SIGKILL mid-segment: that segment alone is redone
 * by the other, the finished ones are not, and the joined output equals a
 * single-machine `f2d restore` of the file (frame count, per-frame
 * timestamps, size, audio packets; pictures within encoder noise). A file
 * whose one segment fails for good, added again once the cause is fixed,
 * redoes that segment only.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Queue } from 'bullmq';
import { jobIdFor, segmentJobId, SEGMENT_JOB } from '../../src/queue/job-data.js';
import { queueTarget } from '../../src/queue/queue-target.js';
import { queueStatus } from '../../src/queue/status.js';
import { makeClip } from '../helpers/clips.js';
import { queueTestBed, runF2d, startWorker, type WorkerProcess } from '../helpers/f2d-processes.js';
import { TINY_MODEL } from '../helpers/live.js';
import { decodeVideo, decodesCleanly, framePtsTimes, probeStreams, psnrY } from '../helpers/media-tools.js';

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
  const bed = queueTestBed('queue-segments');
  const { workers } = bed;

  it('redoes only the killed segment, and the joined file equals f2d restore of it', async () => {
    const url = bed.redisUrl;
    // 320x180 rather than the tiny default: a segment then takes long enough to be caught mid-way.
    const input = makeClip(join(bed.dir, 'drive.mp4'), { seconds: 6, fps: 25, gop: 25, audio: true, width: 320, height: 180 });
    const out = join(bed.dir, 'restored');
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
    const single = join(bed.dir, 'single.mp4');
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

  it('fails the file with the error of a segment that fails for good; added again, it redoes that segment only', async () => {
    const url = bed.redisUrl;
    const input = makeClip(join(bed.dir, 'park.mp4'), { seconds: 6, fps: 25, gop: 25 });
    const out = join(bed.dir, 'restored');
    const output = join(out, 'park-restored.mp4');
    const fileJob = jobIdFor(output);
    // An honest permanent failure of one segment, no test hook: a directory where the second
    // segment's restored file goes (ERR_OUTPUT_IS_DIR, which no retry can fix).
    const blocker = join(out, '.f2d-work', fileJob, 'cut-1', 'seg-0001-restored.mp4');
    mkdirSync(blocker, { recursive: true });
    if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) {
      workers.push(startSegmentWorker(url));
      await workers.at(-1)!.ready;
    }
    const failed = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
    assert.equal(failed.code, 7, `exit 7 (output):\n${failed.stdout}\n${failed.stderr}`);
    assert.match(failed.stdout, /failed: .*park\.mp4: ERR_OUTPUT_IS_DIR: .*in a segment of .*add the file again/);
    const status = (await queueStatus(queueTarget({ redis: url, name: QUEUE, attempts: 3, connectTimeoutSec: 5 }))).files.find((f) => f.input === input);
    assert.equal(status?.state, 'failed');
    assert.equal(status?.errorCode, 'ERR_OUTPUT_IS_DIR');

    const queue = new Queue(QUEUE, { connection: { url } });
    try {
      const segment = (i: number) => queue.getJob(segmentJobId(fileJob, 1, i));
      // The other two segments go on after the file failed: wait for them, then note when they ran.
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        if ((await segment(0))?.finishedOn !== undefined && (await segment(2))?.finishedOn !== undefined) break;
      }
      const before = await Promise.all([0, 1, 2].map(async (i) => ({ state: await (await segment(i))?.getState(), finishedOn: (await segment(i))?.finishedOn })));
      assert.deepEqual(before.map((b) => b.state), ['completed', 'failed', 'completed']);

      rmSync(blocker, { recursive: true });
      const again = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
      assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
      assert.match(again.stderr, /retried: .*park\.mp4 -> .*\(2 of 3 segments already restored, 1 queued\)/);

      // Only the failed segment ran again; the others kept their first and only run.
      const after = await Promise.all([0, 1, 2].map((i) => segment(i)));
      assert.deepEqual(after.map((j) => j?.attemptsStarted), [1, 2, 1], 'segment runs');
      assert.equal(after[0]?.finishedOn, before[0]!.finishedOn);
      assert.equal(after[2]?.finishedOn, before[2]!.finishedOn);
      assert.equal((await queue.getJobs(['completed', 'failed', 'waiting', 'active'])).filter((j) => j.name === SEGMENT_JOB && j.id?.startsWith(fileJob)).length, 3, 'no new cut');
    } finally {
      await queue.close();
    }
    decodesCleanly(output);
    assert.deepEqual(framePtsTimes(output), framePtsTimes(input), 'every frame at its time');
    const done = (await queueStatus(queueTarget({ redis: url, name: QUEUE, attempts: 3, connectTimeoutSec: 5 }))).files.find((f) => f.input === input);
    assert.deepEqual([done?.state, done?.segments], ['done', { done: 3, total: 3 }]);
    assert.ok(!existsSync(join(out, '.f2d-work', fileJob)), 'the work folder is removed');
  });

  it('added again, redoes a restored segment that is gone from the storage too; a source changed since its cut is cut anew', async () => {
    const url = bed.redisUrl;
    const out = join(bed.dir, 'restored');
    const queue = new Queue(QUEUE, { connection: { url } });
    /** Adds `input` with its second segment blocked, waits for the failure and for the other segments. */
    const failSecondSegment = async (input: string): Promise<{ fileJob: string; output: string; blocker: string }> => {
      const output = join(out, basename(input, '.mp4') + '-restored.mp4');
      const fileJob = jobIdFor(output);
      const blocker = join(out, '.f2d-work', fileJob, 'cut-1', 'seg-0001-restored.mp4');
      mkdirSync(blocker, { recursive: true });
      const failed = await f2d(['queue', 'add', input, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
      assert.equal(failed.code, 7, `${failed.stdout}\n${failed.stderr}`);
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        const states = await Promise.all([0, 2].map(async (i) => (await queue.getJob(segmentJobId(fileJob, 1, i)))?.getState()));
        if (states.every((st) => st === 'completed')) break;
      }
      return { fileJob, output, blocker };
    };
    if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null)) {
      workers.push(startSegmentWorker(url));
      await workers.at(-1)!.ready;
    }
    try {
      // A restored segment removed meanwhile: Redis still says done, the worker finds it gone.
      const lake = makeClip(join(bed.dir, 'lake.mp4'), { seconds: 6, fps: 25, gop: 25 });
      const a = await failSecondSegment(lake);
      rmSync(a.blocker, { recursive: true });
      rmSync(join(out, '.f2d-work', a.fileJob, 'cut-1', 'seg-0000-restored.mp4'));
      const again = await f2d(['queue', 'add', lake, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
      assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
      assert.match(again.stderr, /\(2 of 3 segments already restored, 1 queued\)/);
      const runs = await Promise.all([0, 1, 2].map(async (i) => (await queue.getJob(segmentJobId(a.fileJob, 1, i)))?.attemptsStarted));
      assert.deepEqual(runs, [2, 2, 1], 'the removed segment and the failed one ran again, not the third');
      assert.ok(workers.some((w) => /seg-0000-restored\.mp4 is missing or incomplete; it is restored again/.test(w.output())), 'the worker says why');
      assert.deepEqual(framePtsTimes(a.output), framePtsTimes(lake), 'every frame at its time');

      // The source replaced (fixed, re-exported) after the failure: its old segments are not reused.
      const road = makeClip(join(bed.dir, 'road.mp4'), { seconds: 6, fps: 25, gop: 25 });
      const b = await failSecondSegment(road);
      rmSync(b.blocker, { recursive: true });
      makeClip(road, { seconds: 8, fps: 25, gop: 25 });
      utimesSync(road, new Date(), new Date(Date.now() + 5000));
      const recut = await f2d(['queue', 'add', road, '-o', out, '--redis', url, ...QUEUE_SETTINGS, '--wait']);
      assert.equal(recut.code, 0, `${recut.stdout}\n${recut.stderr}`);
      assert.doesNotMatch(recut.stderr, /already restored/);
      assert.deepEqual(framePtsTimes(b.output), framePtsTimes(road), 'the new source, every frame');
      const status = (await queueStatus(queueTarget({ redis: url, name: QUEUE, attempts: 3, connectTimeoutSec: 5 }))).files.find((f) => f.input === road);
      assert.deepEqual([status?.state, status?.segments], ['done', { done: 4, total: 4 }], 'cut anew: 8 s in 4 segments');
    } finally {
      await queue.close();
    }
  });
});
