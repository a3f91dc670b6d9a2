import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServe } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { liveTestConfig, setFfmpegLogLevel, waitFor } from '../helpers/live.js';
import { decodeVideo } from '../helpers/media-tools.js';

const DIR = path.resolve('test', '.tmp', 'live-record');

describe('live: segmented MP4 recording of the restored stream', function () {
  this.timeout(90000);
  before(() => {
    setFfmpegLogLevel('quiet');
    rmSync(DIR, { recursive: true, force: true });
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('writes playable segments cut at key frames, holding every recorded frame', async () => {
    const serve = await startServe(liveTestConfig({ 'serve.record.dir': DIR, 'serve.record.segmentSec': 1, 'serve.encoder.keyIntervalSec': 0.5, 'serve.width': 160, 'serve.height': 120 }), silentLogger);
    let written = 0;
    let recorder: Awaited<ReturnType<typeof serve.recorder>> = null;
    try {
      await waitFor('3 s of recording', () => serve.run.status().framesOut >= 1 && existsSync(DIR) && readdirSync(DIR).length >= 3, 60000);
    } finally {
      recorder = await serve.recorder();
      await serve.close();
      written = recorder?.written ?? 0;
    }
    const files = readdirSync(DIR).filter((f) => /^f2d-\d{8}-\d{6}-\d{5}\.mp4$/.test(f)).sort();
    assert.ok(files.length >= 3, `segments: ${files.join(', ')}`);
    let frames = 0;
    for (const f of files) {
      const segment = decodeVideo(path.join(DIR, f));
      assert.deepEqual([segment.codec, segment.width, segment.height], ['h264', 160, 120], f);
      frames += segment.frames;
    }
    assert.equal(frames, written, 'every recorded access unit is in a segment');
    // Lifecycle: closing again is a no-op; writing after close is refused.
    assert.ok(recorder !== null);
    await recorder.close();
    await assert.rejects(recorder.write(Buffer.alloc(4), true, 0), /recorder is closed/);
  });
});
