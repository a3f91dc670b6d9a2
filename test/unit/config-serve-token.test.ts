import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import type { F2dError } from '../../src/errors.js';

/** The error `loadConfig` throws for these layers (fails the test when it does not throw). */
function errorOf(options: Parameters<typeof loadConfig>[0]): F2dError {
  try {
    loadConfig(options);
  } catch (err) {
    return err as F2dError;
  }
  assert.fail('the configuration was accepted');
}

const token = (value: string, flag = '--token') => ({ flags: [{ key: 'serve.token', value, flag }] });

describe('config: the viewer token (serve.token)', () => {
  for (const [what, options, where] of [
    ['--token ""', token(''), '--token'],
    ['--token "  "', token('  '), '--token'],
    ['--token null', token('null'), '--token'],
    ['--set serve.token=', token('', '--set serve.token'), '--set serve.token'],
    ['F2D_SERVE_TOKEN=', { env: { F2D_SERVE_TOKEN: '' } }, 'F2D_SERVE_TOKEN'],
    ['F2D_SERVE_TOKEN=null', { env: { F2D_SERVE_TOKEN: 'null' } }, 'F2D_SERVE_TOKEN'],
  ] as const) {
    it(`refuses ${what} instead of serving without authentication`, () => {
      const err = errorOf(options);
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.equal(err.category, 'config');
      assert.ok(err.message.startsWith(`${where} is `), err.message);
      assert.match(err.message, /serve\.token must be a string of at least 8 characters/);
      assert.match(err.hint ?? '', new RegExp(`leave ${where.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} unset`));
    });
  }

  it('says "at least 8 characters" for a short token, without printing it', () => {
    const err = errorOf(token('secret'));
    assert.match(err.message, /config key "serve\.token" = \(hidden, 6 characters\) \(from flag --token\) is not allowed: must be a string of at least 8 characters, or null/);
    assert.doesNotMatch(err.message, /"secret"/);
    assert.doesNotMatch(err.message, /non-empty string/);
  });

  it('accepts a token of 8 characters or more, and no token when none is given', () => {
    assert.equal(loadConfig(token('12345678')).config.serve.token, '12345678');
    assert.equal(loadConfig({ env: { F2D_SERVE_TOKEN: 'from-env-ok' } }).config.serve.token, 'from-env-ok');
    assert.equal(loadConfig().config.serve.token, null);
  });

  it('reads serve.allowedHosts as a list (comma-separated in flags and env vars)', () => {
    assert.deepEqual(loadConfig().config.serve.allowedHosts, []);
    assert.deepEqual(loadConfig({ env: { F2D_SERVE_ALLOWED_HOSTS: 'cam.lan, .example.com' } }).config.serve.allowedHosts, ['cam.lan', '.example.com']);
    assert.deepEqual(loadConfig({ flags: [{ key: 'serve.allowedHosts', value: 'mybox', flag: '--set serve.allowedHosts' }] }).config.serve.allowedHosts, ['mybox']);
  });
});
