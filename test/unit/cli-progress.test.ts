import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createProgressView, formatProgressBar, formatProgressLine } from '../../src/cli/progress.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('cli/progress', () => {
  it('a line shows count, percent, fps and ETA', () => {
    assert.equal(formatProgressLine({ done: 40, total: 80, elapsedSec: 2 }, 'frames'), 'progress: 40/80 frames (50%), 20.0 fps, ETA 0:02');
    assert.equal(formatProgressLine({ done: 30, total: null, elapsedSec: 3 }, 'frames'), 'progress: 30 frames, 10.0 fps');
  });

  it('a bar fills with the ratio', () => {
    assert.match(formatProgressBar({ done: 3, total: 4, elapsedSec: 1 }, 'images'), /^\[#{18}\.{6}\] 3\/4 images {2}3\.0 fps {2}ETA 0:00$/);
    assert.match(formatProgressBar({ done: 150, total: 100, elapsedSec: 100 }, 'frames'), /\[#{24}\]/);
  });

  it('lines mode writes at most one line per interval, and the last one at the end', () => {
    const out = new Capture();
    const view = createProgressView({ mode: 'auto', stream: out, intervalSec: 5, unit: 'frames' });
    for (let i = 1; i <= 100; i++) view.update({ done: i, total: 100, elapsedSec: i / 10 });
    view.done();
    const lines = out.text.trim().split('\n');
    assert.equal(lines.length, 2, out.text);
    assert.match(lines[0] ?? '', /^progress: 50\/100/);
    assert.match(lines[1] ?? '', /^progress: 100\/100 frames \(100%\)/);
  });

  it('bar mode redraws in place on a terminal and ends the line', () => {
    const out = new Capture();
    out.isTTY = true;
    const view = createProgressView({ mode: 'auto', stream: out, intervalSec: 5, unit: 'frames' });
    view.update({ done: 1, total: 2, elapsedSec: 0.5 });
    view.update({ done: 2, total: 2, elapsedSec: 1 });
    view.done();
    assert.ok(out.text.startsWith('\r\x1b[K['));
    assert.ok(out.text.endsWith('\n'));
    assert.equal(out.text.split('\n').length, 2);
  });

  it('off writes nothing', () => {
    const out = new Capture();
    const view = createProgressView({ mode: 'off', stream: out, intervalSec: 1, unit: 'frames' });
    view.update({ done: 1, total: 1, elapsedSec: 9 });
    view.done();
    assert.equal(out.text, '');
  });
});
