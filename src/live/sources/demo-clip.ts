/**
 * `--source demo`: the clip shipped in `models/demo/`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../config/load.js';
import { F2dError } from '../../errors.js';

/**
 * The bundled demo clip: `degraded` from models/demo/demo.json when the
 * synthetic-weather clip is there, else the clean clip.
 *
 * @throws F2dError ERR_SOURCE_DEMO when demo.json is missing or names no clip
 */
export function demoClipPath(root = PACKAGE_ROOT): string {
  const dir = join(root, 'models', 'demo');
  let manifest: { clean?: unknown; degraded?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as typeof manifest;
  } catch (cause) {
    throw new F2dError('ERR_SOURCE_DEMO', 'input', `cannot read the demo description ${join(dir, 'demo.json')}`, {
      cause,
      hint: 'reinstall f2d-stream, or pass --source <uri> with a source of your own',
    });
  }
  const name = typeof manifest.degraded === 'string' ? manifest.degraded : manifest.clean;
  if (typeof name !== 'string' || name === '') {
    throw new F2dError('ERR_SOURCE_DEMO', 'input', `${join(dir, 'demo.json')} names no clip ("degraded" or "clean")`, {
      hint: 'set "clean" to the clip file name in models/demo/demo.json',
    });
  }
  return join(dir, name);
}
