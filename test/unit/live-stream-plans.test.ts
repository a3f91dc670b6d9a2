import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { planLiveStreams, publishUrlOf, SINGLE_STREAM_NAME, threadsPerStream } from '../../src/live/stream-plans.js';

/** The default config's `serve` section with `streams` and `record.dir` as given. */
function serveWith(streams: unknown[], recordDir: string | null = null) {
  const config = loadConfig({ flags: [] }).config;
  return { ...config.serve, streams, record: { ...config.serve.record, dir: recordDir } } as typeof config.serve;
}

describe('live: planning the streams of f2d serve', () => {
  it('without serve.streams there is one stream, the serve section as it is', () => {
    const serve = serveWith([]);
    const plans = planLiveStreams(serve);
    assert.equal(plans.length, 1);
    assert.equal(plans[0]?.name, SINGLE_STREAM_NAME);
    assert.equal(plans[0]?.serve, serve);
  });

  it('each stream takes its own source and overrides, and the rest from serve', () => {
    const serve = serveWith([
      { name: 'front', source: 'rtsp://cam1/s' },
      { name: 'rear', source: 'rtsp://cam2/s', width: 320, height: 180, passThroughBelow: 0, parserInterval: 2 },
    ]);
    const [front, rear] = planLiveStreams(serve);
    assert.equal(front?.serve.source, 'rtsp://cam1/s');
    assert.equal(front?.serve.width, serve.width);
    assert.equal(front?.serve.parserInterval, serve.parserInterval);
    assert.equal(rear?.serve.source, 'rtsp://cam2/s');
    assert.deepEqual([rear?.serve.width, rear?.serve.height, rear?.serve.passThroughBelow, rear?.serve.parserInterval], [320, 180, 0, 2]);
    assert.equal(rear?.serve.encoder, serve.encoder, 'shared settings are the serve section\'s');
    assert.deepEqual(rear?.serve.streams, [], 'a stream does not carry the list');
  });

  it('with recording on, each stream records into its own folder', () => {
    const plans = planLiveStreams(serveWith([{ name: 'front', source: 'a.mp4' }, { name: 'rear', source: 'b.mp4' }], path.join('rec')));
    assert.deepEqual(plans.map((p) => p.serve.record.dir), [path.join('rec', 'front'), path.join('rec', 'rear')]);
    assert.deepEqual(planLiveStreams(serveWith([{ name: 'front', source: 'a.mp4' }])).map((p) => p.serve.record.dir), [null]);
  });

  it('publishes each stream under its own path of serve.publish, unless it names its own', () => {
    const serve = { ...serveWith([{ name: 'front', source: 'a' }, { name: 'rear', source: 'b', publish: 'rtmp://other/live/rear-key' }, { name: 'side', source: 'c', publish: null }]), publish: 'rtsp://u:p@media:8554/cams/?x=1' };
    assert.deepEqual(planLiveStreams(serve).map((p) => p.serve.publish), ['rtsp://u:p@media:8554/cams/front?x=1', 'rtmp://other/live/rear-key', null]);
    assert.equal(planLiveStreams({ ...serve, streams: [] })[0]?.serve.publish, 'rtsp://u:p@media:8554/cams/?x=1', 'one stream: the URL as given');
    assert.equal(publishUrlOf('rtmp://h/app', 'cam1'), 'rtmp://h/app/cam1');
  });

  it('shares the cores among the streams unless model.threads is set', () => {
    assert.equal(threadsPerStream(0, 2, 2), 1);
    assert.equal(threadsPerStream(0, 1, 8), 8);
    assert.equal(threadsPerStream(0, 3, 8), 2);
    assert.equal(threadsPerStream(0, 8, 2), 1, 'never below one');
    assert.equal(threadsPerStream(3, 4, 2), 3, 'model.threads wins');
  });

  it('the config refuses a name used twice, a name that is not a URL path, and half a size', () => {
    const bad = (streams: unknown, pattern: RegExp) =>
      assert.throws(() => loadConfig({ flags: [{ key: 'serve.streams', value: JSON.stringify(streams), flag: '--set serve.streams' }] }), pattern);
    bad([{ name: 'cam', source: 'a' }, { name: 'cam', source: 'b' }], /"cam" is used twice/);
    bad([{ name: 'Front Door', source: 'a' }], /stream name is 1-32 lower-case/);
    bad([{ name: 'cam', source: 'a', width: 320, height: null }], /stream "cam": width and height must both be set/);
  });
});
