import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, PIPELINES_DIR } from '../../src/config/load.js';

describe('live: pipelines/*.json are config layers validated by the config schema', () => {
  const names = readdirSync(PIPELINES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));

  it('ships dashcam-live, demo-live, multi-camera and file-restore', () => {
    for (const n of ['dashcam-live', 'demo-live', 'multi-camera', 'file-restore']) assert.ok(names.includes(n), n);
  });

  for (const name of names) {
    it(`${name} loads and names itself`, () => {
      const { config, sources } = loadConfig({ pipeline: name });
      assert.equal(config.pipeline.name, name);
      assert.match(sources.get('pipeline.name') ?? '', /^pipeline /);
      assert.ok(existsSync(join(config.model.dir, 'manifest.json')), `${name}: model.dir ${config.model.dir} holds no model`);
    });
  }

  // The int8 model was the live default while it was the faster one; with the output smoother's
  // float work it is not (README, speed), so live pipelines run the float model too.
  it('live pipelines and file restoration run the float model', () => {
    assert.match(loadConfig({ pipeline: 'demo-live' }).config.model.dir, /models\/f2d-lite$/);
    assert.match(loadConfig({ pipeline: 'dashcam-live' }).config.model.dir, /models\/f2d-lite$/);
    assert.match(loadConfig({ pipeline: 'multi-camera' }).config.model.dir, /models\/f2d-lite$/);
    assert.match(loadConfig({ pipeline: 'file-restore' }).config.model.dir, /models\/f2d-lite$/);
  });

  it('sits between the defaults and the flags', () => {
    const { config } = loadConfig({ pipeline: 'dashcam-live', flags: [{ key: 'serve.parserInterval', value: '3', flag: '--set serve.parserInterval=3' }] });
    assert.equal(config.serve.parserInterval, 3);
    assert.equal(config.serve.loop, false, 'from the pipeline, over the default');
  });

  it('names the bundled pipelines when one is not found', () => {
    assert.throws(() => loadConfig({ pipeline: 'no-such' }), (err: Error & { code?: string; hint?: string }) => err.code === 'ERR_CONFIG_PIPELINE_NOT_FOUND' && /dashcam-live/.test(err.hint ?? ''));
  });

  it('rejects a serve section with only one of width and height, naming both keys', () => {
    assert.throws(
      () => loadConfig({ flags: [{ key: 'serve.width', value: 'null', flag: '--set serve.width=null' }] }),
      /serve\.width and serve\.height must both be set or both be null/,
    );
  });
});
