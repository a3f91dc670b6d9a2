import assert from 'node:assert/strict';
import { WriteQueue } from '../../src/media/live/write-queue.js';

/** A job that finishes when the test says so, and notes when it starts. */
function gate(log: string[], name: string): { job: () => Promise<string>; open: () => void; fail: () => void } {
  let open: () => void = () => undefined;
  let fail: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = () => reject(new Error(`${name} failed`));
  });
  return {
    job: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    open: () => open(),
    fail: () => fail(),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('live: WriteQueue (serialised writes to one FFmpeg output)', () => {
  it('runs jobs one after another, in order, each resolving with its own value', async () => {
    const log: string[] = [];
    const queue = new WriteQueue();
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];
    const ra = queue.run(a.job);
    const rb = queue.run(b.job);
    await tick();
    assert.deepEqual(log, ['start a'], 'b waits for a');
    assert.equal(queue.pending, 2);
    a.open();
    b.open();
    assert.deepEqual(await Promise.all([ra, rb]), ['a', 'b']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b']);
    assert.equal(queue.pending, 0);
  });

  it('goes on after a job fails; the failure reaches that job’s caller only', async () => {
    const log: string[] = [];
    const queue = new WriteQueue();
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];
    const ra = queue.run(a.job);
    const rb = queue.run(b.job);
    a.fail();
    b.open();
    await assert.rejects(ra, /a failed/);
    assert.equal(await rb, 'b');
    await queue.idle();
  });

  it('refuses a job past its limit (tryRun → null) and takes jobs again once one finished', async () => {
    const log: string[] = [];
    const queue = new WriteQueue(2);
    const [a, b, c] = [gate(log, 'a'), gate(log, 'b'), gate(log, 'c')];
    assert.notEqual(queue.tryRun(a.job), null);
    assert.notEqual(queue.tryRun(b.job), null);
    assert.equal(queue.tryRun(c.job), null, 'full: the caller drops the frame');
    a.open();
    await tick();
    await tick();
    assert.equal(queue.pending, 1);
    const rc = queue.tryRun(c.job);
    assert.notEqual(rc, null);
    b.open();
    c.open();
    await queue.idle();
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('idle() waits for every job queued so far and never rejects', async () => {
    const log: string[] = [];
    const queue = new WriteQueue();
    const a = gate(log, 'a');
    queue.run(a.job).catch(() => undefined);
    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    await tick();
    assert.equal(idle, false);
    a.fail();
    await waiting;
    assert.equal(idle, true);
  });
});
