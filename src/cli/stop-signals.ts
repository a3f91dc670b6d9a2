/**
 * Stop requests for the CLI: Ctrl-C (SIGINT), SIGTERM (systemd, Docker,
 * `kill`) and SIGHUP (the terminal closed) all mean "stop, keeping what was
 * done". The first one aborts the run's signal: `f2d restore` finishes a
 * playable file of the frames done, `f2d serve` closes its recording segment.
 * A second one quits at once, removing the hidden temporary files first.
 *
 * The exit status of a stopped run is 128 + the signal's number (130 for
 * SIGINT, 143 for SIGTERM, 129 for SIGHUP): what a shell reports for a process
 * that signal killed, so supervisors and scripts see what they expect.
 */
import { constants } from 'node:os';
import { EXIT_CODES } from '../errors.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** What the handlers need of `process` (a stand-in in the unit tests). */
export interface SignalTarget {
  once(event: StopSignal, listener: () => void): unknown;
  removeListener(event: StopSignal, listener: () => void): unknown;
}

export interface StopSignalHooks {
  /** Writes the one-line notice. */
  readonly say: (line: string) => void;
  /** Quits at once (after a second signal) with this status. */
  readonly quit: (code: number) => void;
  /** Runs before a quit at once: removes what the run would have cleaned up. */
  readonly cleanUp: () => void;
}

/** 128 + the signal's number, the status a shell gives a process that signal ended. */
export function exitCodeForSignal(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * Listens for the stop signals on `target`; the returned `signal` aborts at the first.
 *
 * @example
 * const stop = listenForStop(process, { say: (l) => process.stderr.write(l), quit: process.exit, cleanUp });
 * const code = stop.exitCode(await main(argv, { ...io, signal: stop.signal }));
 */
export function listenForStop(target: SignalTarget, hooks: StopSignalHooks): { readonly signal: AbortSignal; readonly received: () => StopSignal | null; exitCode(code: number): number } {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const first = new Map<StopSignal, () => void>();
  const again = (signal: StopSignal) => (): void => {
    hooks.cleanUp();
    hooks.quit(exitCodeForSignal(signal));
  };
  for (const signal of STOP_SIGNALS) {
    const onFirst = (): void => {
      received = signal;
      for (const [other, listener] of first) if (other !== signal) target.removeListener(other, listener);
      const how = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      hooks.say(`\n${signal}: stopping after the frame in progress; the output keeps what was done (${how} again to quit now)\n`);
      for (const s of STOP_SIGNALS) target.once(s, again(s));
      controller.abort(new Error(`stopped by ${signal}`));
    };
    first.set(signal, onFirst);
    target.once(signal, onFirst);
  }
  return {
    signal: controller.signal,
    received: () => received,
    // A run that ended as interrupted reports the signal that stopped it.
    exitCode: (code) => (received !== null && code === EXIT_CODES.interrupted ? exitCodeForSignal(received) : code),
  };
}
