import assert from 'node:assert/strict';
import { defer, Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { F2dError } from '../../src/errors.js';
import { reconnectWithBackoff } from '../../src/live/operators/reconnect.js';

const down = (): F2dError => new F2dError('ERR_SOURCE_OPEN', 'network', 'feed down', { fatal: false });

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

describe('live: reconnectWithBackoff', () => {
  it('retries a feed that is down after 10, 20, 40 ms (doubling), then streams', () => {
    const waits: number[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      let attempt = 0;
      const feed = defer(() => (++attempt <= 3 ? cold('#', undefined, down()) : cold('ab|')));
      const out = feed.pipe(reconnectWithBackoff({ initialDelayMs: 10, maxDelayMs: 1000, onReconnect: (i) => waits.push(i.delayMs) }));
      // 10 + 20 + 40 = 70 ms of waiting; then a, b; the completion counts as "ended" and waits again.
      expectObservable(out, '^ 75ms !').toBe('70ms ab');
    });
    assert.deepEqual(waits.slice(0, 4), [10, 20, 40, 10]);
  });

  it('caps the wait and resets it once frames flow again', () => {
    const waits: number[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const script = ['#', '#', '#', 'a#', '#'];
      let attempt = 0;
      const feed = defer(() => cold(script[Math.min(attempt++, script.length - 1)] ?? '#', undefined, down()));
      const out = feed.pipe(reconnectWithBackoff({ initialDelayMs: 10, maxDelayMs: 25, onReconnect: (i) => waits.push(i.delayMs) }));
      expectObservable(out, '^ 100ms !').toBe('55ms a'); // 10 + 20 + 25
    });
    // 10, 20, 25 (capped), then 'a' resets: 10, 20, 25, 25…
    assert.deepEqual(waits.slice(0, 6), [10, 20, 25, 10, 20, 25]);
  });

  it('passes fatal errors through without retrying', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const fatal = new F2dError('ERR_SOURCE_NO_VIDEO', 'input', 'no video stream');
      const out = cold('a#', undefined, fatal).pipe(reconnectWithBackoff({ initialDelayMs: 10, maxDelayMs: 100 }));
      expectObservable(out).toBe('a#', undefined, fatal);
    });
  });

  it('resubscribes the source itself (a fresh open) on each attempt', () => {
    let opens = 0;
    scheduler().run(({ expectObservable }) => {
      const feed = new Observable<string>((sub) => {
        opens += 1;
        sub.error(down());
      });
      expectObservable(feed.pipe(reconnectWithBackoff({ initialDelayMs: 5, maxDelayMs: 5 })), '^ 22ms !').toBe('');
    });
    assert.equal(opens, 5); // at 0, 5, 10, 15, 20
  });
});
