/**
 * SIGTERM and SIGHUP stop a run as Ctrl-C does (abort, keep what was done),
 * a second signal quits at once after removing temporaries, and the exit
 * status of a stopped run is 128 + the signal's number.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { listenForStop, STOP_SIGNALS, type StopSignal } from '../../src/cli/stop-signals.js';

function harness() {
  const target = new EventEmitter();
  const said: string[] = [];
  const quits: number[] = [];
  let cleaned = 0;
  const stop = listenForStop(target as never, { say: (l) => said.push(l), quit: (c) => quits.push(c), cleanUp: () => cleaned++ });
  return { target, said, quits, cleaned: () => cleaned, stop };
}

describe('cli: stop signals', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const satisfies readonly (readonly [StopSignal, number])[]) {
    it(`${signal} aborts the run once, says so, and a stopped run exits ${code}`, () => {
      const h = harness();
      assert.equal(h.stop.signal.aborted, false);
      h.target.emit(signal);
      assert.equal(h.stop.signal.aborted, true);
      assert.equal(h.stop.received(), signal);
      assert.equal(h.said.length, 1);
      assert.match(h.said[0]!, new RegExp(`${signal}: stopping after the frame in progress`));
      assert.equal(h.stop.exitCode(130), code, 'an interrupted run reports the signal');
      assert.equal(h.stop.exitCode(0), 0, 'a run that finished anyway keeps its status');
      assert.equal(h.stop.exitCode(7), 7);
      assert.deepEqual(h.quits, []);
    });
  }

  it('a second stop signal, of any kind, cleans up and quits at once', () => {
    const h = harness();
    h.target.emit('SIGTERM');
    h.target.emit('SIGINT');
    assert.equal(h.cleaned(), 1);
    assert.deepEqual(h.quits, [130]);
    assert.equal(h.said.length, 1);
  });

  it('without a signal nothing changes', () => {
    const h = harness();
    assert.equal(h.stop.exitCode(130), 130);
    assert.equal(h.stop.received(), null);
    for (const s of STOP_SIGNALS) assert.equal(h.target.listenerCount(s), 1);
  });
});
