/**
 * Starting the model worker (and the provider probe's child process) both
 * from compiled `dist/` (plain `.js`) and from TypeScript sources run
 * through tsx (tests, `npx tsx`).
 *
 * Node 20 does not apply the parent's `--import=tsx` loader hooks to worker
 * threads, so a `.ts` worker is started through a tiny ESM bootstrap that
 * registers tsx's loader inside the worker and then imports the entry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * URL of tsx's ESM loader API. Under mocha's `--import=tsx` this module may
 * itself be compiled to CommonJS (no `import.meta.resolve`), and
 * `require.resolve` would pick tsx's CommonJS build, so read the `import`
 * target from tsx's own export map.
 */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } | string }>;
  };
  const target = pkg.exports?.['./esm/api']?.import;
  const file = typeof target === 'string' ? target : target?.default;
  if (file === undefined) {
    throw new Error(`cannot find tsx's ESM API in ${pkgPath}; run the compiled build (npm run build) instead of the .ts sources`);
  }
  return pathToFileURL(path.join(path.dirname(pkgPath), file)).href;
}

/**
 * Starts `entry` (a module URL next to the caller, e.g. `./worker/model-worker.js`
 * resolved against `import.meta.url`) as a worker thread.
 */
export function startWorker(entry: URL, options: WorkerOptions): Worker {
  // Workers inherit the parent's execArgv; `--input-type` (from `node -e`) is refused for a file entry.
  const execArgv = options.execArgv ?? process.execArgv.filter((a) => !a.startsWith('--input-type'));
  options = { ...options, execArgv };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsxApi = tsxEsmApi();
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}

/**
 * The command line that runs `entry` as a child process with this Node: a
 * `.ts` entry through tsx's loader (`--import`, resolved here so the child's
 * working directory does not matter).
 */
export function childProcessArgs(entry: URL): string[] {
  const file = fileURLToPath(entry);
  if (!file.endsWith('.ts')) return [process.execPath, file];
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  return [process.execPath, '--import', pathToFileURL(path.join(path.dirname(tsx), 'dist', 'loader.mjs')).href, file];
}

/** The worker entry next to this module, `.ts` under tsx and `.js` in `dist/`. */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
