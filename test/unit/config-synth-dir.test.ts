import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT } from '../../src/config/load.js';
import { synthDir } from '../../src/config/synth-dir.js';

describe('config/synth-dir', () => {
  const load = (flags: { key: string; value: string; flag: string }[]) => loadConfig({ env: {}, flags, cwd: PACKAGE_ROOT }).config;

  it('uses the training synthesis by default', () => {
    const { synth } = load([]);
    assert.equal(synth.generator, 'train');
    assert.equal(synthDir(synth), resolve(PACKAGE_ROOT, 'models', 'synth'));
  });

  it('--synth independent picks the bundled independent synthesis', () => {
    const { synth } = load([{ key: 'synth.generator', value: 'independent', flag: '--synth' }]);
    assert.equal(synthDir(synth), resolve(PACKAGE_ROOT, 'models', 'synth-independent'));
  });

  it('a synth.dir of its own wins over the generator', () => {
    const { synth } = load([
      { key: 'synth.generator', value: 'independent', flag: '--synth' },
      { key: 'synth.dir', value: 'my-synth', flag: '--set synth.dir=my-synth' },
    ]);
    assert.equal(synthDir(synth), resolve(PACKAGE_ROOT, 'my-synth'));
  });
});
