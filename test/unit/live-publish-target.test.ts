import assert from 'node:assert/strict';
import { backoffDelayMs, publishTarget } from '../../src/media/live/publish-target.js';

describe('live: publish target (URL → muxer) and back-off', () => {
  it('sends rtsp:// and rtsps:// to the rtsp muxer over TCP', () => {
    for (const url of ['rtsp://127.0.0.1:8554/restored', 'RTSPS://media.example.com/cam1']) {
      const target = publishTarget(url);
      assert.equal(target.format, 'rtsp', url);
      assert.equal(target.options.rtsp_transport, 'tcp');
    }
  });

  it('sends rtmp:// and rtmps:// to the flv muxer, without duration and size fix-ups', () => {
    for (const url of ['rtmp://127.0.0.1/live/restored', 'rtmps://live-api-s.facebook.com:443/rtmp/key']) {
      const target = publishTarget(url);
      assert.equal(target.format, 'flv', url);
      assert.equal(target.options.flvflags, 'no_duration_filesize');
    }
  });

  it('hides passwords, secret parameters and the RTMP stream key in its label', () => {
    assert.equal(publishTarget('rtsp://pub:hunter2@10.0.0.2:8554/restored').label, 'rtsp://pub:***@10.0.0.2:8554/restored');
    assert.equal(publishTarget('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop').label, 'rtmp://a.rtmp.youtube.com/live2/***');
    assert.equal(publishTarget('rtsp://127.0.0.1:8554/restored?token=s3cret').label, 'rtsp://127.0.0.1:8554/restored?token=***');
  });

  it('refuses other schemes and non-URLs with ERR_PUBLISH_URL, naming what it takes', () => {
    for (const url of ['http://127.0.0.1:8080/live', 'srt://127.0.0.1:9000', 'udp://239.0.0.1:1234', 'restored.mp4', 'rtmp://', 'rtsp:///x']) {
      assert.throws(
        () => publishTarget(url),
        (err: Error & { code?: string; hint?: string }) => err.code === 'ERR_PUBLISH_URL' && /rtsp:\/\/.*rtmp:\/\//.test(err.hint ?? ''),
        url,
      );
    }
  });

  it('never shows a password of a refused URL', () => {
    assert.throws(() => publishTarget('http://user:hunter2@host/x'), (err: Error) => !err.message.includes('hunter2') && /http:\/\/ is not supported/.test(err.message));
  });

  it('waits the initial delay, doubling up to the longest', () => {
    const backoff = { initialDelayMs: 500, maxDelayMs: 10_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelayMs(a, backoff)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert.equal(backoffDelayMs(0, backoff), 500);
  });
});
