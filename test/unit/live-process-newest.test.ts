import assert from 'node:assert/strict';
import { Observable, map, of, take, tap, throwError, timer, type ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { processNewest } from '../../src/live/operators/process-newest.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

describe('live: processNewest (newest frame wins, drops counted)', () => {
  it('keeps one value waiting while busy; a newer arrival replaces it and is counted as dropped', () => {
    const dropped: string[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      // One frame every 10 ms, the worker needs 25 ms.
      const source = cold('a 9ms b 9ms c 9ms d 9ms e|');
      const work = (v: string): ObservableInput<string> => timer(25).pipe(map(() => v.toUpperCase()));
      const out = source.pipe(processNewest(work, { onDrop: (v) => dropped.push(v) }));
      expectObservable(out).toBe('25ms A 24ms C 24ms (E|)');
    });
    assert.deepEqual(dropped, ['b', 'd']);
  });

  it('processes every value with no drop when the worker keeps up', () => {
    const dropped: string[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b 9ms c|');
      const out = source.pipe(processNewest((v: string) => timer(5).pipe(map(() => v)), { onDrop: (v) => dropped.push(v) }));
      expectObservable(out).toBe('5ms a 9ms b 9ms (c|)');
    });
    assert.deepEqual(dropped, []);
  });

  it('bounds latency by two work durations when the model is slower than the source', () => {
    const frameMs = 40;
    const workMs = 100;
    const frames = 100;
    const arrivals = new Map<number, number>();
    const latencies: number[] = [];
    let drops = 0;
    const ts = scheduler();
    ts.run(() => {
      const source = timer(0, frameMs).pipe(take(frames));
      const out = source.pipe(
        tap((i) => arrivals.set(i, ts.now())),
        processNewest((i: number) => timer(workMs).pipe(map(() => i)), { onDrop: () => drops++ }),
      );
      out.subscribe((i) => latencies.push(ts.now() - (arrivals.get(i) ?? 0)));
    });
    const processed = latencies.length;
    assert.equal(processed + drops, frames, 'every frame is either processed or counted as dropped');
    assert.ok(drops > frames / 2, `most frames are dropped when the worker is 2.5x slower (dropped ${drops})`);
    const worst = Math.max(...latencies);
    assert.ok(worst <= 2 * workMs + 2, `latency stays bounded: worst ${worst} ms`);
  });

  it('forwards an error from the worker and stops', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 9ms b|');
      const out = source.pipe(processNewest((v: string) => (v === 'a' ? throwError(() => new Error('model failed')) : of(v))));
      expectObservable(out).toBe('#', undefined, new Error('model failed'));
    });
  });

  it('handles a worker that completes synchronously', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('abc|').pipe(processNewest((v: string) => of(v)));
      expectObservable(out).toBe('abc|');
    });
  });

  it('on unsubscribe cancels the work in progress and drops the waiting value', () => {
    const dropped: string[] = [];
    let cancelled = false;
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 4ms b 30ms c|');
      const work = (v: string) =>
        new Observable<string>((sub) => {
          let finished = false;
          const t = timer(20).subscribe(() => { finished = true; sub.next(v); sub.complete(); });
          return () => { if (!finished) cancelled = true; t.unsubscribe(); };
        });
      const out = source.pipe(processNewest(work, { onDrop: (v) => dropped.push(v) }));
      expectObservable(out, '^ 10ms !').toBe('');
    });
    assert.deepEqual(dropped, ['b']);
    assert.equal(cancelled, true);
  });
});
