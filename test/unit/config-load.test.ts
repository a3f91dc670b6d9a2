import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configKeys, describeAllowed } from '../../src/config/keys.js';
import { DEFAULTS_PATH, loadConfig, PACKAGE_ROOT } from '../../src/config/load.js';
import { modelSchema } from '../../src/config/schema.js';
import type { F2dError } from '../../src/errors.js';

describe('config/load', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'f2d-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  const fails = (fn: () => unknown, code: string, ...patterns: RegExp[]): void => {
    assert.throws(fn, (e: F2dError) => {
      assert.equal(e.code, code);
      for (const p of patterns) assert.match(e.message, p);
      assert.equal(e.category, 'config');
      return true;
    });
  };

  it('the bundled defaults validate and set every key of the schema', () => {
    const { config, sources } = loadConfig();
    for (const k of configKeys()) assert.equal(sources.get(k.key), 'defaults', `${k.key} has a default`);
    assert.equal(config.model.dir, resolve(PACKAGE_ROOT, 'models/f2d-lite'), 'default paths resolve from the package root');
    assert.ok(DEFAULTS_PATH.endsWith(join('config', 'default.json')));
  });

  it('merges defaults < file < env < flags', () => {
    const cfg = file('order.json', { encode: { crf: 30, preset: 'slow' }, image: { jpegQuality: 50 } });
    const { config, sources } = loadConfig({
      configFile: cfg,
      env: { F2D_ENCODE_CRF: '25', F2D_IMAGE_WEBP_QUALITY: '70' },
      flags: [{ key: 'encode.crf', value: '18', flag: '--crf' }],
      cwd: dir,
    });
    assert.equal(config.encode.crf, 18);
    assert.equal(sources.get('encode.crf'), 'flag --crf');
    assert.equal(config.encode.preset, 'slow');
    assert.equal(sources.get('encode.preset'), `file ${cfg}`);
    assert.equal(config.image.webpQuality, 70);
    assert.equal(sources.get('image.webpQuality'), 'env F2D_IMAGE_WEBP_QUALITY');
    assert.equal(config.image.jpegQuality, 50);
    assert.equal(config.model.provider, 'cpu');
  });

  it('resolves paths against the layer that set them', () => {
    const cfg = file('paths.json', { model: { dir: 'm1' } });
    assert.equal(loadConfig({ configFile: cfg, cwd: '/' }).config.model.dir, join(dir, 'm1'));
    const { config } = loadConfig({ env: { F2D_MODEL_DIR: 'm2' }, cwd: dir });
    assert.equal(config.model.dir, join(dir, 'm2'));
  });

  it('a bare model name picks a bundled model from any directory, unless a folder of that name is there', () => {
    const flag = (value: string) => [{ key: 'model.dir', value, flag: `--model ${value}` }];
    assert.equal(loadConfig({ flags: flag('f2d-lite-int8'), cwd: dir }).config.model.dir, join(PACKAGE_ROOT, 'models', 'f2d-lite-int8'));
    assert.equal(loadConfig({ flags: flag('no-such-model'), cwd: dir }).config.model.dir, join(dir, 'no-such-model'), 'unknown names stay relative, so the error names them');
    assert.equal(loadConfig({ flags: flag('./f2d-lite-int8'), cwd: dir }).config.model.dir, join(dir, 'f2d-lite-int8'), 'a path is a path');
  });

  it('coerces env and flag strings by the schema type (numbers, booleans, null)', () => {
    const { config } = loadConfig({
      env: { F2D_OUTPUT_OVERWRITE: 'true', F2D_START_OUTPUT: 'null' },
      flags: [{ key: 'model.threads', value: '3', flag: '--threads' }],
    });
    assert.equal(config.output.overwrite, true);
    assert.equal(config.start.output, null);
    assert.equal(config.model.threads, 3);
  });

  it('names the key, the value, where it came from and what is allowed', () => {
    fails(
      () => loadConfig({ flags: [{ key: 'encode.crf', value: '99', flag: '--crf' }] }),
      'ERR_CONFIG_INVALID',
      /"encode\.crf" = 99 \(from flag --crf\) is not allowed: must be an integer from 0 to 51/,
    );
    fails(
      () => loadConfig({ env: { F2D_MODEL_PROVIDER: 'tpu' } }),
      'ERR_CONFIG_INVALID',
      /"model\.provider" = "tpu" \(from env F2D_MODEL_PROVIDER\).*one of cpu, cuda, webgpu/,
    );
    fails(
      () => loadConfig({ env: { F2D_MODEL_THREADS: 'many' } }),
      'ERR_CONFIG_INVALID',
      /"model\.threads" = "many".*an integer from 0 to 1024/,
    );
  });

  it('reports every bad key at once', () => {
    const cfg = file('many.json', { encode: { crf: -1, preset: 'warp' } });
    fails(() => loadConfig({ configFile: cfg }), 'ERR_CONFIG_INVALID', /encode\.crf/, /encode\.preset/);
  });

  it('rejects unknown keys in a file, listing the allowed ones', () => {
    const cfg = file('unknown.json', { encode: { qualty: 3 }, nonsense: { a: 1 } });
    fails(
      () => loadConfig({ configFile: cfg }),
      'ERR_CONFIG_INVALID',
      /"encode\.qualty" \(from file .*unknown\.json\) is not known; allowed keys in "encode": crf, preset/,
      /"nonsense".*allowed sections: model, encode/,
    );
  });

  it('applies the cross-field rule on tiling', () => {
    fails(
      () => loadConfig({ flags: [{ key: 'model.tileSize', value: '64', flag: '--set model.tileSize=64' }, { key: 'model.tileOverlap', value: '40', flag: '--set model.tileOverlap=40' }] }),
      'ERR_CONFIG_INVALID',
      /model\.tileOverlap.*less than half of model\.tileSize \(64\)/,
    );
  });

  it('takes model.ensemble as auto or a number of views from a flag, and names the choices otherwise', () => {
    const flag = (value: string) => [{ key: 'model.ensemble', value, flag: `--ensemble ${value}` }];
    assert.equal(loadConfig({}).config.model.ensemble, 'auto');
    assert.equal(loadConfig({ flags: flag('4') }).config.model.ensemble, 4);
    assert.equal(loadConfig({ flags: flag('auto') }).config.model.ensemble, 'auto');
    fails(() => loadConfig({ flags: flag('3') }), 'ERR_CONFIG_INVALID', /model\.ensemble.*one of auto, 1, 2, 4/);
  });

  it('warns about unknown F2D_ variables and ignores others', () => {
    const { warnings } = loadConfig({ env: { F2D_CRF: '20', HOME: '/root' } });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /F2D_CRF is not a known setting.*F2D_ENCODE_CRF/);
  });

  it('clear errors for a missing, malformed or non-object config file and an unknown --set key', () => {
    fails(() => loadConfig({ configFile: join(dir, 'nope.json') }), 'ERR_CONFIG_FILE_UNREADABLE', /nope\.json/);
    fails(() => loadConfig({ configFile: file('bad.json', '{ "encode": ') }), 'ERR_CONFIG_FILE_INVALID', /bad\.json is not valid JSON/);
    fails(() => loadConfig({ configFile: file('arr.json', '[1]') }), 'ERR_CONFIG_FILE_INVALID', /must hold a JSON object/);
    fails(() => loadConfig({ flags: [{ key: 'encode.speed', value: '1', flag: '--set encode.speed=1' }] }), 'ERR_CONFIG_UNKNOWN_KEY', /"encode\.speed"/);
  });

  it('returns a deep-frozen config', () => {
    const { config } = loadConfig();
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.encode));
    assert.equal(Reflect.set(config.encode, 'crf', 1), false);
    assert.equal(config.encode.crf, loadConfig().config.encode.crf);
  });

  it('derives env names from keys and describes allowed values', () => {
    assert.ok(configKeys().some((k) => k.key === 'model.parserInterval' && k.env === 'F2D_MODEL_PARSER_INTERVAL'));
    assert.equal(describeAllowed(modelSchema.shape.threads), 'an integer from 0 to 1024');
    assert.equal(describeAllowed(modelSchema.shape.parserInterval), 'an integer of at least 1');
  });
});
