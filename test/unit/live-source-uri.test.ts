import assert from 'node:assert/strict';
import { parseSourceUri } from '../../src/live/sources/source-uri.js';

describe('live: parseSourceUri', () => {
  it('reads RTSP over TCP with a socket timeout, reconnecting', () => {
    const spec = parseSourceUri('rtsp://10.0.0.2:554/stream1');
    assert.equal(spec.kind, 'rtsp');
    assert.equal(spec.options.rtsp_transport, 'tcp');
    assert.ok(Number(spec.options.timeout) > 0);
    assert.equal(spec.pace, 'arrival');
    assert.equal(spec.reconnect, true);
  });

  it('reads V4L2 devices in both spellings', () => {
    assert.deepEqual([parseSourceUri('/dev/video2').url, parseSourceUri('v4l2:///dev/video0').url], ['/dev/video2', '/dev/video0']);
    assert.equal(parseSourceUri('/dev/video0').format, 'v4l2');
  });

  it('paces HTTP/HLS and files by their timestamps; files do not reconnect', () => {
    const hls = parseSourceUri('https://example.org/live/index.m3u8');
    assert.equal(hls.kind, 'http');
    assert.equal(hls.pace, 'pts');
    assert.equal(hls.reconnect, true);
    const file = parseSourceUri('clips/rain.mp4');
    assert.deepEqual([file.kind, file.url, file.pace, file.reconnect], ['file', 'clips/rain.mp4', 'pts', false]);
    assert.equal(parseSourceUri('file:///tmp/a%20b.mp4').url, '/tmp/a b.mp4');
  });

  it('knows the demo', () => {
    assert.equal(parseSourceUri('demo').kind, 'demo');
  });

  it('names the allowed schemes for an unknown one, and refuses an empty source', () => {
    assert.throws(() => parseSourceUri('srt://host:9000'), (err: Error & { code?: string }) => err.code === 'ERR_SOURCE_URI' && /"srt:\/\/"/.test(err.message));
    assert.throws(() => parseSourceUri('  '), /empty/);
  });
});
