/**
 * The test-side media tools (test/helpers/clips.ts, media-tools.ts) are the
 * oracle of the media tests, so they are tested too: that they make what they
 * say and can fail, and, where ffmpeg is installed, that they give ffprobe's
 * and the ffmpeg psnr filter's answers on the same files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setFfmpegLogLevel } from '../../src/media/index.js';
import { corruptMiddle, makeClip, makeStill, makeUnknownCodecClip, makeVfrClip, remux, tmpDir } from '../helpers/clips.js';
import { decodeVideo, decodesCleanly, durationSec, framePtsTimes, probeStreams, psnrY } from '../helpers/media-tools.js';
import { requires } from '../helpers/requires.js';

describe('test media tools (node-av): clips and checks', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('media-tools');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes an H.264 clip with AAC audio: streams, packets, frame times, duration', () => {
    const clip = makeClip(join(dir, 'av.mp4'), { audio: true, seconds: 2, fps: 25 });
    const [v, a] = probeStreams(clip);
    assert.deepEqual([v?.type, v?.codec, v?.width, v?.height, v?.pixelFormat, v?.packets], ['video', 'h264', 160, 120, 'yuv420p', 50]);
    assert.deepEqual([a?.type, a?.codec], ['audio', 'aac']);
    assert.ok((a?.packets ?? 0) > 90, `audio packets: ${a?.packets}`);
    assert.deepEqual(framePtsTimes(clip), Array.from({ length: 50 }, (_, i) => i * 0.04).map((t) => Math.round(t * 1e6) / 1e6));
    assert.equal(durationSec(clip), 2);
    decodesCleanly(clip);
  });

  it('makes odd-sized 4:4:4, VFR, rotated and concatenated clips, stills and an unknown codec', () => {
    const odd = decodeVideo(makeClip(join(dir, 'odd.mkv'), { width: 159, height: 119, pixelFormat: 'yuv444p' }));
    assert.deepEqual([odd.width, odd.height], [159, 119]);
    const vfr = framePtsTimes(makeVfrClip(join(dir, 'vfr.mkv')));
    assert.deepEqual(vfr.slice(18, 23), [0.6, 0.633, 0.667, 0.767, 0.867]);
    const rotated = remux([makeClip(join(dir, 'plain.mp4'))], join(dir, 'rot.mp4'), { rotation: 90 });
    assert.equal(probeStreams(rotated)[0]?.rotation, 90);
    const small = makeClip(join(dir, 'small.ts'), { seconds: 1 });
    const big = makeClip(join(dir, 'big.ts'), { seconds: 1, width: 320, height: 240 });
    const joined = decodeVideo(remux([small, big], join(dir, 'joined.ts')));
    assert.equal(joined.frames, 50);
    assert.deepEqual(joined.sizes, ['160x120', '320x240']);
    assert.ok(joined.times.every((t, i) => i === 0 || t > (joined.times[i - 1] ?? 0)), 'timestamps keep rising across the join');
    for (const [ext, codec] of [['png', 'png'], ['jpg', 'mjpeg'], ['webp', 'webp']] as const) {
      const s = probeStreams(makeStill(join(dir, `still.${ext}`), 48, 32));
      assert.deepEqual(s.map((x) => [x.codec, x.width, x.height, x.packets]), [[codec, 48, 32, 1]], ext);
    }
    assert.throws(() => decodesCleanly(makeUnknownCodecClip(join(dir, 'unknown.avi'))), /no decoder/);
  });

  it('makes an HLS playlist', () => {
    const playlist = makeClip(join(dir, 'hls', 'index.m3u8'), { fps: 10, seconds: 3, gop: 10, format: 'hls', muxerOptions: { hls_time: '1', hls_playlist_type: 'vod' } });
    assert.ok(readdirSync(join(dir, 'hls')).filter((f) => f.endsWith('.ts')).length >= 3);
    assert.equal(decodeVideo(playlist).frames, 30);
  });

  it('the checks fail on damage and differences', () => {
    const clean = makeClip(join(dir, 'long.mp4'), { seconds: 4, audio: true });
    const damaged = corruptMiddle(clean, join(dir, 'damaged.mp4'), 30_000);
    assert.throws(() => decodesCleanly(damaged, 'video'), /damaged\.mp4.*stream #0/);
    assert.equal(psnrY(clean, clean), Number.POSITIVE_INFINITY);
    const other = makeClip(join(dir, 'other.mp4'), { seconds: 4, fps: 10 });
    const db = psnrY(clean, other);
    assert.ok(db > 5 && db < 30, `different pictures: ${db} dB`);
  });

  describe('agree with ffprobe and the ffmpeg psnr filter', function () {
    before(function () {
      requires(this, 'ffmpeg');
    });
    const run = (cmd: string, args: string[]): string => {
      const r = spawnSync(cmd, ['-v', 'error', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };

    it('streams, packet counts, rotation, duration', () => {
      const clip = remux([makeClip(join(dir, 'probe.mp4'), { audio: true })], join(dir, 'probe-rot.mp4'), { rotation: -90 });
      const theirs = JSON.parse(run('ffprobe', ['-count_packets', '-show_streams', '-show_format', '-of', 'json', clip])) as {
        streams: { codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string; nb_read_packets: string; side_data_list?: { rotation?: number }[] }[];
        format: { duration: string };
      };
      const ours = probeStreams(clip);
      assert.deepEqual(
        ours.map((s) => [s.type, s.codec, s.width, s.height, s.pixelFormat, s.packets, s.rotation]),
        theirs.streams.map((s) => [s.codec_type, s.codec_name, s.width ?? 0, s.height ?? 0, s.pix_fmt ?? null, Number(s.nb_read_packets), s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? null]),
      );
      assert.equal(durationSec(clip), Number(theirs.format.duration));
    });

    it('per-frame times (VFR) and frame counts with reordering (raw H.264 with B-frames)', () => {
      const vfr = makeVfrClip(join(dir, 'probe-vfr.mkv'));
      // csv lines are "pts_time," plus empty lines for side data.
      const csv = run('ffprobe', ['-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', vfr]);
      const times = csv.split('\n').map((l) => l.split(',')[0]?.trim() ?? '').filter((l) => l !== '').map(Number);
      assert.deepEqual(framePtsTimes(vfr), times);
      const raw = join(dir, 'bframes.h264');
      run('ffmpeg', ['-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1', '-c:v', 'libx264', '-bf', '2', raw]);
      const counted = run('ffprobe', ['-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,has_b_frames', '-of', 'json', raw]);
      const stream = (JSON.parse(counted) as { streams: { nb_read_frames: string; has_b_frames: number }[] }).streams[0];
      const decoded = decodeVideo(raw);
      assert.deepEqual([decoded.frames, decoded.reorderDelay], [Number(stream?.nb_read_frames), stream?.has_b_frames]);
      assert.ok(decoded.reorderDelay > 0, 'the clip does reorder');
    });

    it('luma PSNR', () => {
      const a = makeClip(join(dir, 'psnr-a.mp4'));
      const b = join(dir, 'psnr-b.mp4');
      run('ffmpeg', ['-nostdin', '-y', '-i', a, '-c:v', 'libx264', '-crf', '40', '-preset', 'ultrafast', b]);
      const r = spawnSync('ffmpeg', ['-nostdin', '-i', a, '-i', b, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'], { encoding: 'utf8' });
      const theirs = Number(/PSNR y:([0-9.]+)/.exec(r.stderr)?.[1]);
      assert.ok(Number.isFinite(theirs), r.stderr.slice(-500));
      assert.ok(Math.abs(psnrY(a, b) - theirs) < 0.01, `${psnrY(a, b)} vs ffmpeg ${theirs}`);
    });
  });
});
