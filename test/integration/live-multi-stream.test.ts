import assert from 'node:assert/strict';
import { startServe, type MakeRestorer, type ServeHandle } from '../../src/jobs/serve-live.js';
import { silentLogger } from '../../src/log.js';
import { KIND_VIDEO, TRACK_RESTORED, decodeHeader } from '../../src/server/protocol.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import { SAMPLE_CLIP, TestViewer, liveTestConfig, setFfmpegLogLevel, waitFor } from '../helpers/live.js';
import { Resources } from '../helpers/resources.js';

const TOKEN = 'multi-token-123';
const STREAMS = [
  { name: 'front', source: SAMPLE_CLIP },
  { name: 'rear', source: 'test/fixtures/media/city-night-640x360.mp4', width: 160, height: 96, passThroughBelow: 0 },
];

function restoredFrames(viewer: TestViewer): number {
  return viewer.binaries().filter((b) => decodeHeader(b)?.kind === KIND_VIDEO && decodeHeader(b)?.track === TRACK_RESTORED).length;
}

describe('live: several cameras in one f2d serve', function () {
  this.timeout(90000);
  let serve: ServeHandle;
  const resources = new Resources();
  const get = (path: string, token = true) => fetch(`${serve.server.url}${path}${token ? `${path.includes('?') ? '&' : '?'}token=${TOKEN}` : ''}`, { redirect: 'manual' });

  before(async () => {
    setFfmpegLogLevel('quiet');
    serve = await resources.add(startServe(liveTestConfig({ 'serve.token': TOKEN, 'serve.streams': JSON.stringify(STREAMS) }), silentLogger));
  });
  afterEach(() => TestViewer.dropAll());
  after(() => resources.closeAll());

  it('runs one pipeline per stream, each on its own WebSocket with its own size and name', async () => {
    assert.deepEqual(serve.streams.map((s) => s.name), ['front', 'rear']);
    assert.deepEqual([...serve.server.streamUrls.keys()], ['front', 'rear']);
    const ws = (name: string) => `${serve.server.url.replace('http', 'ws')}/s/${name}/ws?token=${TOKEN}`;
    const front = await TestViewer.connect(ws('front'));
    const rear = await TestViewer.connect(ws('rear'));
    await waitFor('5 restored frames on each stream', () => restoredFrames(front) >= 5 && restoredFrames(rear) >= 5, 60000);
    const hello = (v: TestViewer) => v.received.find((r) => r.kind === 'json' && r.value.type === 'hello')?.value as Record<string, unknown>;
    assert.equal(hello(front).stream, 'front');
    assert.equal(hello(rear).stream, 'rear');
    const config = (v: TestViewer) => v.received.find((r) => r.kind === 'json' && r.value.type === 'config' && r.value.track === 'restored')?.value as Record<string, unknown>;
    assert.deepEqual([config(front).width, config(front).height], [320, 240]);
    assert.deepEqual([config(rear).width, config(rear).height], [160, 96]);
    // Each stream counts its own frames and drops.
    const [a, b] = serve.streams.map((s) => s.run.status());
    assert.ok((a?.framesOut ?? 0) >= 5 && (b?.framesOut ?? 0) >= 5);
  });

  it('/metrics has every stream\'s series, labelled, with one TYPE line per family; each stream has its own page', async () => {
    await waitFor('frames out on both streams', () => serve.streams.every((s) => s.run.status().framesOut > 0), 60000);
    const text = await (await get('/metrics')).text();
    assert.match(text, /^f2d_frames_out_total\{stream="front"\} [1-9]/m);
    assert.match(text, /^f2d_frames_out_total\{stream="rear"\} [1-9]/m);
    for (const family of ['f2d_frames_out_total', 'f2d_stage_latency_seconds', 'process_cpu_seconds_total']) {
      assert.equal(text.split('\n').filter((l) => l.startsWith(`# TYPE ${family} `)).length, 1, `${family}: one TYPE line`);
    }
    assert.equal(text.split('\n').filter((l) => l.startsWith('process_cpu_seconds_total')).length, 1, 'the process metrics once');
    const rear = await (await get('/s/rear/metrics')).text();
    assert.match(rear, /f2d_frames_out_total\{stream="rear"\}/);
    assert.doesNotMatch(rear, /stream="front"/);
    assert.equal((await get('/metrics', false)).status, 401, 'metrics still need the token');
  });

  it('/healthz is healthy when every stream is, and names each; a stream has its own', async () => {
    await waitFor('both streams live', () => serve.streams.every((s) => s.run.status().state === 'live'), 60000);
    const all = (await (await get('/healthz')).json()) as { ok: boolean; streams: Record<string, { ok: boolean; source: string }> };
    assert.equal(all.ok, true);
    assert.deepEqual(Object.keys(all.streams), ['front', 'rear']);
    assert.match(all.streams.rear?.source ?? '', /city-night/);
    const one = await get('/s/front/healthz');
    assert.equal(one.status, 200);
    assert.match(((await one.json()) as { source: string }).source, /sample-street/);
  });

  it('/ lists the streams with links that keep the token; /s/<name> leads to its viewer; an unknown name is a 404 naming the streams', async () => {
    const index = await (await get('/')).text();
    assert.ok(index.includes(`href="/s/front/?token=${TOKEN}"`) && index.includes(`href="/s/rear/?token=${TOKEN}"`), index);
    const redirect = await get('/s/rear');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `/s/rear/?token=${TOKEN}`);
    const viewer = await get('/s/rear/');
    assert.equal(viewer.status, 200);
    assert.match(await viewer.text(), /<script type="module" src="\/viewer\/main.js">/);
    const unknown = await get('/s/side/');
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /no stream "side" here; streams: front, rear/);
  });

  it('a stream that cannot start closes every model opened so far, and says which source', async () => {
    const closed: string[] = [];
    const counting: MakeRestorer = async (plan) => {
      const restorer = new IdentityRestorer();
      const close = restorer.close.bind(restorer);
      restorer.close = async () => {
        closed.push(plan.name);
        await close();
      };
      return restorer;
    };
    const streams = [{ name: 'ok', source: SAMPLE_CLIP }, { name: 'bad', source: 'gopher://cam/1' }];
    await assert.rejects(startServe(liveTestConfig({ 'serve.streams': JSON.stringify(streams) }), silentLogger, counting), (err: Error & { code?: string }) => err.code === 'ERR_SOURCE_URI' && /gopher/.test(err.message));
    assert.deepEqual(closed.sort(), ['bad', 'ok']);
  });
});
