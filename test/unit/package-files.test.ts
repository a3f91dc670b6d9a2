/**
 * What `npm pack` ships (package.json `files`): everything `f2d` reads at run
 * time — the build, the viewer the server serves, the bundled models with
 * every file their manifests list, the demo clip, the pipelines and the
 * defaults — and none of the tests, training scripts and their data, or
 * TypeScript sources. Reads `npm pack --dry-run --json --ignore-scripts`
 * (scripts off: no rebuild, the listing is of what is on disk).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();
const BUNDLED_MODELS = ['f2d-lite', 'f2d-lite-int8', 'synth', 'synth-independent'];

function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(pack!.files.map((f) => f.path));
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

describe('package: npm pack ships what f2d runs, not tests or training data', function () {
  this.timeout(60_000);
  let files: Set<string>;
  before(() => {
    files = packedFiles();
  });
  const missing = (wanted: readonly string[]): string[] => wanted.filter((f) => !files.has(f));

  it('the build, once built: the bin, the model worker', function () {
    const bin = (readJson('package.json').bin as Record<string, string>).f2d!;
    if (!existsSync(join(ROOT, bin))) this.skip(); // not built yet: `npm test` builds first
    assert.deepEqual(missing([bin, 'dist/model/worker/model-worker.js', 'dist/server/live-server.js']), []);
    assert.deepEqual([...files].filter((f) => f.endsWith('.map')), [], 'source maps point at sources that are not shipped');
  });

  it('the viewer the server serves (src/viewer), the defaults, the pipelines, the README', () => {
    const viewer = readdirSync(join(ROOT, 'src', 'viewer')).filter((f) => /\.(html|js|css)$/.test(f)).map((f) => `src/viewer/${f}`);
    assert.ok(viewer.includes('src/viewer/index.html'));
    const pipelines = readdirSync(join(ROOT, 'pipelines')).map((f) => `pipelines/${f}`);
    assert.deepEqual(missing([...viewer, ...pipelines, 'config/default.json', 'README.md', 'package.json']), []);
  });

  it('every bundled model with each file its manifest lists, and the demo clip', () => {
    for (const model of BUNDLED_MODELS) {
      const manifest = readJson(`models/${model}/manifest.json`) as { files: Record<string, { path: string }> };
      const wanted = [`models/${model}/manifest.json`, ...Object.values(manifest.files).map((f) => `models/${model}/${f.path}`)];
      assert.deepEqual(missing(wanted), [], model);
    }
    const demo = readJson('models/demo/demo.json') as { degraded: string | null; clean: string | null };
    assert.deepEqual(missing(['models/demo/demo.json', `models/demo/${demo.degraded ?? demo.clean}`]), []);
  });

  it("f2d start's default clip is shipped (not a test fixture)", () => {
    const start = (readJson('config/default.json') as { start: { input: string } }).start.input;
    assert.ok(files.has(start), `start.input ${start} is not in the package`);
  });

  it('no tests, training scripts, checkpoints, photos, docs sources or TypeScript sources', () => {
    const unwanted = [...files].filter((f) => /^(test|scripts|docs|\.ci|node_modules)\//.test(f) || (f.startsWith('src/') && !f.startsWith('src/viewer/')) || f.endsWith('.ts'));
    assert.deepEqual(unwanted, []);
    assert.ok(!files.has('src/viewer/tsconfig.json'), "the viewer's type-check config is for development");
  });
});
