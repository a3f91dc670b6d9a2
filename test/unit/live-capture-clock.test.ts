import assert from 'node:assert/strict';
import { CaptureClock } from '../../src/media/live/capture-clock.js';

describe('live: CaptureClock (capture time → packet timestamps)', () => {
  it('counts from the first frame in the time base, with the gap to the previous frame as duration', () => {
    const clock = new CaptureClock({ num: 1, den: 90000 }, 1_000_000);
    assert.deepEqual(clock.next(1_000_000), { pts: 0n, duration: 3600n }, 'the first frame lasts 1/25 s');
    assert.deepEqual(clock.next(1_000_040.5), { pts: 3645n, duration: 3645n });
    assert.deepEqual(clock.next(1_000_100), { pts: 9000n, duration: 5355n });
  });

  it('keeps timestamps strictly increasing when frames share a tick or the clock steps back', () => {
    const clock = new CaptureClock({ num: 1, den: 1000 }, 500);
    const pts = [500, 500.2, 500.4, 499, 540].map((ms) => clock.next(ms).pts);
    assert.deepEqual(pts, [0n, 1n, 2n, 3n, 40n]);
  });
});
