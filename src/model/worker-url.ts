/**
 * Starting the model worker both from compiled `dist/` (plain `.js`) and
 * from TypeScript sources run through tsx (tests, `npx tsx`).
 *
 * Node 20 does not apply the parent's `--import=tsx` loader hooks to worker
 * threads, so a `.ts` worker is started through a tiny ESM bootstrap that
 * registers tsx's loader inside the worker and then imports the entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `entry` (a module URL next to the caller, e.g. `./restore-worker.js`
 * resolved against `import.meta.url`) as a worker thread.
 */
export function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}

/** The worker entry next to this module, `.ts` under tsx and `.js` in `dist/`. */
export function siblingModule(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
