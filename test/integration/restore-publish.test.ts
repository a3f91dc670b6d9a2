/**
 * The end of a run must not replace what it did not check: a file that
 * appears at the output path during a run (another run, a user's copy) stays
 * untouched without --overwrite, and the finished work is kept under a named
 * file the error gives. Before, the final rename replaced it with exit 0.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { F2dError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { setFfmpegLogLevel } from '../../src/media/index.js';
import { restore, type RestoreRunOptions } from '../../src/restore/index.js';
import { keptName } from '../../src/restore/publish-output.js';
import { makeClip, tmpDir } from '../helpers/clips.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import { framePtsTimes } from '../helpers/media-tools.js';

describe('restore: publishing the output', function () {
  this.timeout(60_000);
  let dir: string;
  /** Options whose restorer writes `text` at `output` while frame 5 is being restored. */
  const racing = (output: string, text: string, overwrite: boolean): RestoreRunOptions => ({
    restorer: new IdentityRestorer((i) => {
      if (i === 5) writeFileSync(output, text);
    }),
    log: silentLogger,
    overwrite,
    encode: { crf: 18, preset: 'ultrafast' },
    image: { jpegQuality: 95, webpQuality: 95 },
  });

  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('restore-publish');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without --overwrite: a file created at the output during the run is left intact, the work kept beside it', async () => {
    const input = makeClip(join(dir, 'in.mp4'), { seconds: 1 });
    const output = join(dir, 'out.mp4');
    const kept = keptName(output);
    await assert.rejects(
      restore(input, output, racing(output, 'written by someone else', false)),
      (e: F2dError) => e.code === 'ERR_OUTPUT_EXISTS' && e.category === 'output' && e.message.includes(kept) && /--overwrite/.test(e.hint ?? ''),
    );
    assert.equal(readFileSync(output, 'utf8'), 'written by someone else');
    assert.equal(framePtsTimes(kept).length, 25, 'the finished output is complete under the kept name');
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), [], 'no hidden partial file');
  });

  it('with --overwrite: the file is replaced, as asked', async () => {
    const input = makeClip(join(dir, 'in2.mp4'), { seconds: 1 });
    const output = join(dir, 'out2.mp4');
    const summary = await restore(input, output, racing(output, 'old', true));
    assert.equal(summary.frames, 25);
    assert.equal(framePtsTimes(output).length, 25);
    assert.equal(existsSync(keptName(output)), false);
  });
});
