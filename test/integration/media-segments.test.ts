/**
 * The media half of segment-parallel restoration, without Redis or a model:
 * a clip with audio and a key frame every second is cut at key frames, the
 * segments (as they are, or re-encoded as a worker would) are joined back
 * with the source's audio, and the result has the source's frames at the
 * source's timestamps and its audio packets. Segments encoded with other
 * H.264 parameters fail the join clearly. Open-GOP video is cut only where
 * a segment decodes alone.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, silentLogger as log } from '../../src/log.js';
import { joinSegments, splitAtKeyframes } from '../../src/media/index.js';
import { isF2dError } from '../../src/errors.js';
import { makeClip, remux, tmpDir } from '../helpers/clips.js';
import { decodeVideo, decodesCleanly, framePtsTimes, probeStreams } from '../helpers/media-tools.js';
import { requires } from '../helpers/requires.js';

describe('media: split at key frames, join with a stream copy', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = resolve(tmpDir('media-segments'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts a 6 s clip into 3 GOP-aligned segments and joins them to the source timeline with its audio', async () => {
    // Turned 90°, as a phone records: the join keeps the rotation.
    const input = remux([makeClip(join(dir, 'six-upright.mp4'), { seconds: 6, fps: 25, gop: 25, audio: true })], join(dir, 'six.mp4'), { rotation: 90 });
    const split = await splitAtKeyframes(input, join(dir, 'work'), 2, log);
    assert.ok(split, 'split');
    assert.deepEqual(split.segments.map((s) => s.startSec), [0, 2, 4]);
    assert.deepEqual(split.segments.map((s) => s.frames), [50, 50, 50]);
    for (const s of split.segments) {
      assert.deepEqual(probeStreams(s.path).map((p) => p.type), ['video'], 'video only');
      assert.equal(framePtsTimes(s.path)[0], 0, 'each segment starts at 0');
    }
    const joined = join(dir, 'joined.mp4');
    const summary = joinSegments(input, split.segments, joined, log);
    assert.equal(summary.frames, 150);
    decodesCleanly(joined);
    assert.deepEqual(framePtsTimes(joined), framePtsTimes(input));
    assert.deepEqual(probeStreams(joined).map((p) => [p.type, p.rotation]), probeStreams(input).map((p) => [p.type, p.rotation]));
    assert.equal(probeStreams(joined)[0]?.rotation, 90);
    const audio = (path: string): number | undefined => probeStreams(path).find((p) => p.type === 'audio')?.packets;
    assert.equal(audio(joined), audio(input), 'every audio packet');
  });

  it('leaves short files and files without clean cuts whole', async () => {
    const short = makeClip(join(dir, 'short.mp4'), { seconds: 2, fps: 25, gop: 25 });
    assert.equal(await splitAtKeyframes(short, join(dir, 'work-short'), 2, log), null, 'under 1.5 segments');
    const oneGop = makeClip(join(dir, 'one-gop.mp4'), { seconds: 6, fps: 25, gop: 250 });
    assert.equal(await splitAtKeyframes(oneGop, join(dir, 'work-gop'), 2, log), null, 'no key frame to cut at');
  });

  it('open GOPs: cuts x264 open-GOP video only at exact recovery points, each segment decoding alone; says why HEVC open GOPs stay whole', async function () {
    requires(this, 'ffmpeg');
    const encode = (name: string, codec: string[]): string => {
      const path = join(dir, name);
      execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '12', ...codec, path]);
      return path;
    };
    const frameHashes = (path: string): string[] =>
      execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-f', 'framemd5', '-'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => l.split(',').at(-1)!.trim());
    const open = encode('open-gop.mp4', ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-bf', '3', '-x264-params', 'open-gop=1:scenecut=0']);
    // At this size x264 (3 B-frames) starts some GOPs without leading frames: those are the cuts.
    const split = await splitAtKeyframes(open, join(dir, 'work-open'), 2, log);
    assert.ok(split !== null && split.segments.length >= 2, 'x264 marks its open-GOP I frames with a recovery point: cut there');
    assert.deepEqual(split.segments.flatMap((s) => frameHashes(s.path)), frameHashes(open), 'each segment decodes alone to the same pictures');

    const lines: string[] = [];
    const capture = createLogger('test', 'info', (line) => lines.push(line));
    const hevc = encode('open-gop-hevc.mp4', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=50:open-gop=1:log-level=error']);
    assert.equal(await splitAtKeyframes(hevc, join(dir, 'work-hevc'), 2, capture), null);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /not split into segments, restored whole by one worker: .*open-GOP/);
  });

  it('refuses to join segments with other H.264 parameters (ERR_JOIN_MISMATCH)', () => {
    const a = makeClip(join(dir, 'a.mp4'), { seconds: 1, fps: 25, width: 160, height: 120 });
    const b = makeClip(join(dir, 'b.mp4'), { seconds: 1, fps: 25, width: 176, height: 144 });
    assert.throws(
      () => joinSegments(a, [{ path: a, startPts: 0n }, { path: b, startPts: 12800n }], join(dir, 'bad.mp4'), log),
      (err: unknown) => isF2dError(err) && err.code === 'ERR_JOIN_MISMATCH' && /b\.mp4/.test(err.message),
    );
    assert.equal(decodeVideo(a).frames, 25);
  });
});
