/**
 * `f2d eval --clip` as a user runs it (a child process), with the f2d-tiny
 * fixture model on a short testsrc2 clip made here: degraded first with one
 * storm (`--weather`), and as given.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipReport } from '../../src/eval/clip-report.js';
import { makeClip, tmpDir } from '../helpers/clips.js';

const MAIN = join('src', 'cli', 'main.ts');
const TINY_MODEL = join('test', 'fixtures', 'models', 'f2d-tiny');

function f2d(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args, '--threads', '1', '--progress', 'off'], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: f2d eval --clip (child process)', function () {
  this.timeout(300_000);
  let dir: string;
  let clip: string;
  before(() => {
    dir = tmpDir('eval-clip');
    // 12 frames of testsrc2: a still colour pattern with a moving sweep and a running counter.
    clip = makeClip(join(dir, 'clip.mp4'), { width: 96, height: 64, fps: 12, seconds: 1 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--weather: degrades the clean clip with one storm, restores it, and measures flicker on static pixels of the clean clip', () => {
    const json = join(dir, 'rain.json');
    const r = f2d(['eval', '--clip', clip, '--weather', 'rain', '--model', TINY_MODEL, '--limit', '10', '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^flicker \(mean \|dY\| on static pixels, 8-bit levels\): input \d+\.\d{3}, output \d+\.\d{3}, clean \d+\.\d{3}; output\/input \d+\.\d{3}/m, r.stdout);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ClipReport;
    assert.equal(report.format, 'f2d-eval-clip/1');
    assert.deepEqual(report.clip, { path: clip, width: 96, height: 64, frames: 10 }, '--limit 10 of 12 frames');
    assert.equal(report.model.name, 'f2d-tiny');
    assert.equal(report.weather?.configuration, 'rain');
    const f = report.flicker;
    assert.equal(f.mask, 'reference');
    assert.equal(f.pairs, 9);
    assert.equal(f.perPair.length, 9);
    // testsrc2 moves in places only: some blocks are static, not all.
    assert.ok(f.staticShare > 0 && f.staticShare < 1, `static share ${f.staticShare}`);
    // Fresh rain every frame: the input flickers well above the clean clip's own codec grain.
    assert.ok(f.reference !== null && f.input > f.reference, JSON.stringify(f));
    assert.ok(f.output > 0 && f.ratio !== null && Math.abs(f.ratio - f.output / f.input) < 1e-12);
    assert.ok(report.psnr !== null && report.psnr.input > 0 && report.psnr.input < 100 && Number.isFinite(report.psnr.output));
    assert.equal(report.parser?.runs, 10, 'the parser runs on every frame (model.parserInterval 1)');
    assert.ok(report.temporalFilter !== null && report.temporalFilter.cleanedShare >= 0, 'the temporal filter is on by default');
    assert.match(r.stdout, /^temporal filter: on, lowered \d+\.\d{2}% of the pixels per frame/m);
  });

  it('--temporal-filter off: each frame restored alone, and said so', () => {
    const r = f2d(['eval', '--clip', clip, '--model', TINY_MODEL, '--limit', '3', '--temporal-filter', 'off', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as ClipReport).temporalFilter, null);
  });

  it('without --weather: restores the clip as given, static pixels from the input', () => {
    const r = f2d(['eval', '--clip', clip, '--model', TINY_MODEL, '--limit', '4', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ClipReport;
    assert.equal(report.weather, null);
    assert.equal(report.psnr, null);
    assert.equal(report.flicker.mask, 'input-median');
    assert.equal(report.flicker.reference, null);
    assert.equal(report.flicker.pairs, 3);
  });

  it('needs a video, and at least two frames', () => {
    const none = f2d(['eval', '--clip', '--model', TINY_MODEL]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /^error \[ERR_CONFIG_USAGE\] f2d eval --clip needs a video/m);
    const one = f2d(['eval', '--clip', clip, '--model', TINY_MODEL, '--limit', '1']);
    assert.equal(one.code, 3, one.stderr);
    assert.match(one.stderr, /^error \[ERR_EVAL_CLIP\] .* gave 1 frame; flicker needs at least two/m);
  });
});
