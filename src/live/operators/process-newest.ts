import { Observable, from, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';

/** Options for {@link processNewest}. */
export interface ProcessNewestOptions<T> {
  /**
   * Called for every value that is never processed: it was waiting while the
   * worker was busy and a newer value replaced it, or the stream stopped
   * before its turn. The callback owns the value (count it, free it).
   */
  readonly onDrop?: (dropped: T) => void;
}

/**
 * Real-time scheduling: at most one value in work and at most one waiting.
 *
 * A value that arrives while `work` is busy waits in a single slot; a newer
 * arrival replaces it (the replaced one goes to `onDrop`). When the work in
 * progress ends, the waiting value, which is always the newest, starts at
 * once. So a slow worker never builds a queue: the delay of any processed
 * value is bounded by one work duration of waiting plus its own work, and
 * memory holds two values at most. Unlike `exhaustMap`, the worker does not
 * idle until the next arrival after it frees up, and unlike
 * `concatMap`/`mergeMap` nothing is buffered without bound.
 *
 * Completion waits for the work in progress and the waiting value. An error
 * from `work` is forwarded and stops the stream; unsubscribing cancels the work
 * in progress (its inner subscription) and drops the waiting value.
 *
 * @param work - starts processing one value; its first emission is the result.
 * @param options - see {@link ProcessNewestOptions}.
 * @returns an operator emitting one result per processed value, in order.
 * @example
 * frames$.pipe(processNewest((f) => restorer.restore(f), { onDrop: () => drops++ }))
 */
export function processNewest<T, R>(
  work: (value: T) => ObservableInput<R>,
  options: ProcessNewestOptions<T> = {},
): OperatorFunction<T, R> {
  const onDrop = options.onDrop ?? (() => undefined);
  return (source) =>
    new Observable<R>((subscriber) => {
      // `current` marks the work in progress; it is set before subscribing so
      // a `work` that completes synchronously is handled like any other.
      let current: object | null = null;
      let currentSub: Subscription | null = null;
      let waiting: { value: T } | null = null;
      let sourceDone = false;

      const start = (value: T): void => {
        const token = {};
        current = token;
        let produced = false;
        const sub = from(work(value)).subscribe({
          next: (result) => {
            // Only the first result counts: `work` maps one value to one result.
            if (produced) return;
            produced = true;
            subscriber.next(result);
          },
          error: (err: unknown) => subscriber.error(err),
          complete: () => {
            if (current !== token) return;
            current = null;
            currentSub = null;
            if (waiting !== null) {
              const next = waiting.value;
              waiting = null;
              start(next);
            } else if (sourceDone) {
              subscriber.complete();
            }
          },
        });
        if (current === token) currentSub = sub;
      };

      const sourceSub = source.subscribe({
        next: (value) => {
          if (current === null) {
            start(value);
            return;
          }
          if (waiting !== null) onDrop(waiting.value);
          waiting = { value };
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (current === null && waiting === null) subscriber.complete();
        },
      });

      return () => {
        sourceSub.unsubscribe();
        const inFlight = currentSub;
        current = null;
        currentSub = null;
        inFlight?.unsubscribe();
        if (waiting !== null) {
          const dropped = waiting.value;
          waiting = null;
          onDrop(dropped);
        }
      };
    });
}
