import assert from 'node:assert/strict';
import { exitCodeForSummary } from '../../src/cli/main.js';
import { formatError, formatSummary, summaryJson } from '../../src/cli/report.js';
import { EXIT_CODES, exitCodeFor, F2dError, OutputError, toF2dError } from '../../src/errors.js';
import type { RunSummary } from '../../src/restore/index.js';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  kind: 'video',
  input: 'in.mp4',
  output: 'out.mp4',
  frames: 80,
  expectedFrames: 80,
  seconds: 4,
  fps: 20,
  stages: {},
  interrupted: false,
  damage: null,
  warnings: [],
  ...over,
});

describe('cli/report', () => {
  it('prints code, message and hint, and the stack only when verbose', () => {
    const err = new F2dError('ERR_INPUT_NOT_FOUND', 'input', 'input "x.mp4" does not exist', { hint: 'check the path' });
    assert.equal(formatError(err, false), 'error [ERR_INPUT_NOT_FOUND] input "x.mp4" does not exist\nhint: check the path');
    const verbose = formatError(new F2dError('ERR_INTERNAL', 'internal', 'outer', { cause: new Error('inner') }), true);
    assert.match(verbose, /\n {4}at /);
    assert.match(verbose, /caused by: Error: inner/);
  });

  it('maps categories to exit codes; unknown errors become ERR_INTERNAL', () => {
    assert.equal(exitCodeFor(new F2dError('ERR_CONFIG_USAGE', 'config', 'm')), 2);
    assert.equal(exitCodeFor(new F2dError('ERR_INPUT_NOT_FOUND', 'input', 'm')), 3);
    assert.equal(exitCodeFor(new F2dError('ERR_MODEL_LOAD', 'model', 'm')), 5);
    assert.equal(exitCodeFor(new OutputError('ERR_OUTPUT_EXISTS', 'm')), 7);
    const wrapped = toF2dError(new RangeError('bad'));
    assert.equal(wrapped.code, 'ERR_INTERNAL');
    assert.equal(exitCodeFor(wrapped), EXIT_CODES.internal);
    assert.ok(new Set(Object.values(EXIT_CODES)).size === Object.keys(EXIT_CODES).length, 'codes are distinct');
  });

  it('a damaged input, images skipped as bad, or Ctrl-C is not a success', () => {
    assert.equal(exitCodeForSummary(summary()), 0);
    assert.equal(exitCodeForSummary(summary({ damage: { frame: 3, timeSec: 0.1, reason: 'x' } })), EXIT_CODES.decode);
    assert.equal(exitCodeForSummary(summary({ interrupted: true })), 130);
    const failed = [{ file: 'in/3.png', code: 'ERR_DECODE_IMAGE', message: 'x' }];
    assert.equal(exitCodeForSummary(summary({ kind: 'image-dir', files: { restored: 7, kept: 0, failed } })), EXIT_CODES.decode);
    assert.equal(exitCodeForSummary(summary({ kind: 'image-dir', files: { restored: 0, kept: 8, failed: [] } })), 0, 'outputs kept from an earlier run');
  });

  it('the summary line says how many of how many', () => {
    assert.equal(formatSummary(summary()), 'restored 80 frames in 4.0 s (20.0 fps) -> out.mp4');
    assert.match(formatSummary(summary({ frames: 49, expectedFrames: 100 })), /restored 49 of 100 frames/);
    assert.match(formatSummary(summary({ clearFrames: 30 })), /restored 80 frames, 30 of them clear and kept as they were in 4.0 s/);
  });

  it('a video summary gives the steady rate after start-up, the JSON both rounded', () => {
    const s = summary({ startupSec: 0.5234, steadyFps: 57.612 });
    assert.equal(formatSummary(s), 'restored 80 frames in 4.0 s (20.0 fps; 57.6 fps after 0.5 s of start-up) -> out.mp4');
    const json = JSON.parse(summaryJson(s, {})) as { startupSec: number; steadyFps: number };
    assert.deepEqual([json.startupSec, json.steadyFps], [0.523, 57.61]);
  });
});
