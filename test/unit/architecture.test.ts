/**
 * The architecture, checked: which folder may import which library, and a
 * layer order that every import between folders follows downwards. The
 * imports come from scripts/import-graph.ts (run it to see the graph).
 *
 * A new folder under src/ must be given a layer here; moving code up or down
 * means changing LAYERS, on purpose, in review.
 */
import assert from 'node:assert/strict';
import {
  folderCycles,
  folderGraph,
  folderLabel,
  folderOf,
  importsOf,
  listSourceFiles,
  SRC_DIR,
  sourceImports,
  type SourceImport,
} from '../../scripts/import-graph.js';

/**
 * Folders of src/ from the top (what starts things) to the ground floor (what
 * everything shares). An import may go to its own layer (within the same top-level
 * folder) or to any layer below; never up.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'], // the f2d command: argv → config → a command → exit code
  ['cli/commands'], // one per command: parse its arguments, run a job, print
  ['queue'], // the distributed queue (BullMQ on Redis): enqueue, status, the worker that runs the file job
  ['jobs'], // what a command (or a queue worker) runs: the file job, the live application, the benchmark
  ['live', 'live/sources', 'live/operators', 'restore', 'eval'], // the live pipeline, the file loop, the benchmark maths
  ['server'], // HTTP + WebSocket for the viewers
  ['model/worker'], // runs in the model worker thread: onnxruntime sessions and engines
  ['model', 'media', 'media/live', 'temporal'], // the model runtime's main-thread face; FFmpeg through node-av; filters over frames in time
  ['config'], // the settings schema and loader
  [''], // src/ itself: errors, logging, the frame type, the clock
];

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));
const top = (folder: string): string => folder.split('/')[0]!;
const where = (i: SourceImport): string => `src/${i.from}:${i.line} imports ${i.specifier}`;

/** Imports of a package (bare specifier, `node:` excluded), by package name. */
function packageImports(imports: readonly SourceImport[], name: string): SourceImport[] {
  return imports.filter((i) => i.target === null && (i.specifier === name || i.specifier.startsWith(`${name}/`)));
}

describe('architecture: folder boundaries and layers', () => {
  const imports = sourceImports();

  it('node-av only under src/media', () => {
    const bad = packageImports(imports, 'node-av').filter((i) => top(folderOf(i.from)) !== 'media');
    assert.deepEqual(bad.map(where), []);
  });

  it("onnxruntime only in the model worker's session module", () => {
    const bad = [...packageImports(imports, 'onnxruntime-node'), ...packageImports(imports, 'onnxruntime-common')].filter((i) => i.from !== 'model/worker/session.ts');
    assert.deepEqual(bad.map(where), []);
  });

  it('bullmq and ioredis only in src/queue', () => {
    const bad = [...packageImports(imports, 'bullmq'), ...packageImports(imports, 'ioredis')].filter((i) => folderOf(i.from) !== 'queue');
    assert.deepEqual(bad.map(where), []);
  });

  it('ws only in src/server', () => {
    const bad = packageImports(imports, 'ws').filter((i) => folderOf(i.from) !== 'server');
    assert.deepEqual(bad.map(where), []);
  });

  it('nothing outside src/cli imports src/cli', () => {
    const bad = imports.filter((i) => i.target !== null && top(folderOf(i.target)) === 'cli' && top(folderOf(i.from)) !== 'cli');
    assert.deepEqual(bad.map(where), []);
  });

  it('the model worker is loaded by URL, never imported from the main thread', () => {
    const bad = imports.filter((i) => i.target !== null && folderOf(i.target) === 'model/worker' && folderOf(i.from) !== 'model/worker');
    assert.deepEqual(bad.map(where), []);
  });

  it('the browser viewer imports nothing from src/ outside itself', () => {
    const viewerFiles = listSourceFiles(SRC_DIR, ['.js']).filter((f) => f.startsWith('viewer/'));
    assert.ok(viewerFiles.length > 0, 'no viewer files found');
    const bad = viewerFiles.flatMap((f) => importsOf(f)).filter((i) => i.target === null || !i.target.startsWith('viewer/'));
    assert.deepEqual(bad.map(where), []);
  });

  it('every folder has a layer, and every import between folders goes down (or sideways within one folder)', () => {
    const graph = folderGraph(imports);
    const unplaced = [...graph.keys()].filter((f) => !layerOf.has(f));
    assert.deepEqual(unplaced.map(folderLabel), [], 'folders missing from LAYERS');
    const upward: string[] = [];
    for (const [from, edges] of graph) {
      for (const to of edges.keys()) {
        const a = layerOf.get(from)!;
        const b = layerOf.get(to)!;
        if (b < a || (b === a && top(from) !== top(to))) {
          const example = imports.find((i) => i.target !== null && folderOf(i.from) === from && folderOf(i.target) === to)!;
          upward.push(`${folderLabel(from)} -> ${folderLabel(to)} (${where(example)})`);
        }
      }
    }
    assert.deepEqual(upward, [], 'imports that run up (or across) the layers');
  });

  it('has no folder-level cycle', () => {
    assert.deepEqual(folderCycles(folderGraph(imports)).map((c) => c.map(folderLabel).join(' -> ')), []);
  });
});
