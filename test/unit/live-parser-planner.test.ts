import assert from 'node:assert/strict';
import { ParserSchedule as ParserPlanner } from '../../src/model/parser-schedule.js';

function flat(value: number, width = 64, height = 36) {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) };
}

describe('live: ParserPlanner (temporal reuse of parser outputs)', () => {
  it('parses the first frame, then every N processed frames', () => {
    const planner = new ParserPlanner({ interval: 3, sceneCutThreshold: 0 });
    const plan = Array.from({ length: 8 }, () => planner.next(flat(100)));
    assert.deepEqual(plan, ['first', null, null, 'interval', null, null, 'interval', null]);
  });

  it('parses every frame with interval 1', () => {
    const planner = new ParserPlanner({ interval: 1, sceneCutThreshold: 0 });
    assert.deepEqual([planner.next(flat(1)), planner.next(flat(1)), planner.next(flat(1))], ['first', 'interval', 'interval']);
  });

  it('parses again at a scene cut and restarts the interval from there', () => {
    const planner = new ParserPlanner({ interval: 4, sceneCutThreshold: 10 });
    const plan = [flat(30), flat(31), flat(220), flat(221), flat(222), flat(220), flat(221)].map((f) => planner.next(f));
    assert.deepEqual(plan, ['first', null, 'scene-cut', null, null, null, 'interval']);
  });

  it('ignores cuts when the threshold is 0', () => {
    const planner = new ParserPlanner({ interval: 10, sceneCutThreshold: 0 });
    assert.deepEqual([flat(0), flat(255), flat(0)].map((f) => planner.next(f)), ['first', null, null]);
  });

  it('starts over after reset (a reconnected source)', () => {
    const planner = new ParserPlanner({ interval: 10, sceneCutThreshold: 10 });
    planner.next(flat(50));
    planner.next(flat(50));
    planner.reset();
    assert.equal(planner.next(flat(50)), 'first');
  });

  it('rejects an interval below 1', () => {
    assert.throws(() => new ParserPlanner({ interval: 0, sceneCutThreshold: 0 }), /integer >= 1, got 0/);
  });
});
