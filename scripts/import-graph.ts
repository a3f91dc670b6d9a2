/**
 * The import graph of `src/`: every import of every `.ts` file, and the same
 * graph folded to folders. The architecture test (test/unit/architecture.test.ts)
 * checks its rules against it; run it to see the layering at a glance:
 *
 *   node --import tsx scripts/import-graph.ts            folder arrows, with how many imports each
 *   node --import tsx scripts/import-graph.ts --files    every file-level import
 *
 * Imports are read with TypeScript's parser; type-only imports count too (they
 * are dependencies of the design even though they are erased at run time).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root (this file is in `scripts/`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SRC_DIR = path.join(REPO_ROOT, 'src');

/** One import statement (or `export … from`, or dynamic `import()`) of a source file. */
export interface SourceImport {
  /** The importing file, relative to `src/`, with `/` separators. */
  readonly from: string;
  /** What was written between the quotes. */
  readonly specifier: string;
  /** The imported file relative to `src/` (`.ts`) for a relative import, else `null` (a package or `node:` module). */
  readonly target: string | null;
  /** `import type …` / `export type … from`: erased at run time. */
  readonly typeOnly: boolean;
  /** 1-based line, for messages. */
  readonly line: number;
}

/** Every source file (`.ts` unless `extensions` says otherwise) under `dir`, relative to it, `/` separators, sorted. */
export function listSourceFiles(dir: string = SRC_DIR, extensions: readonly string[] = ['.ts']): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (extensions.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.d.ts')) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** The imports of one file under `src/`. */
export function importsOf(rel: string, srcDir: string = SRC_DIR): SourceImport[] {
  const text = readFileSync(path.join(srcDir, rel), 'utf8');
  const file = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, false, rel.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: SourceImport[] = [];
  const add = (literal: ts.Expression, typeOnly: boolean): void => {
    if (!ts.isStringLiteral(literal)) return;
    const line = file.getLineAndCharacterOfPosition(literal.getStart(file)).line + 1;
    out.push({ from: rel, specifier: literal.text, target: resolveRelative(rel, literal.text), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import { type A, type B }` is as erased as `import type { A, B }`.
      const named = clause?.namedBindings;
      const allTypes = named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && clause?.name === undefined && named.elements.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier, clause?.isTypeOnly === true || allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  // NodeNext: sources import `./x.js` for `./x.ts` (the viewer's plain JS imports `.js` itself).
  return from.endsWith('.js') ? joined : joined.replace(/\.js$/, '.ts');
}

/** The folder of a file relative to `src/` (`''` for the files directly in `src/`). */
export function folderOf(rel: string): string {
  const dir = path.posix.dirname(rel);
  return dir === '.' ? '' : dir;
}

/** A folder's name for display: `src/` itself is shown as `(base)`. */
export function folderLabel(folder: string): string {
  return folder === '' ? '(base)' : folder;
}

/** Every import of every file under `src/` (the viewer is plain JS and has none of these). */
export function sourceImports(srcDir: string = SRC_DIR): SourceImport[] {
  return listSourceFiles(srcDir).flatMap((f) => importsOf(f, srcDir));
}

/** Folder → folder arrows with the number of imports behind each (self-arrows left out). */
export function folderGraph(imports: readonly SourceImport[]): Map<string, Map<string, number>> {
  const graph = new Map<string, Map<string, number>>();
  for (const i of imports) {
    if (i.target === null) continue;
    const a = folderOf(i.from);
    const b = folderOf(i.target);
    if (!graph.has(a)) graph.set(a, new Map());
    if (a === b) continue;
    const edges = graph.get(a)!;
    edges.set(b, (edges.get(b) ?? 0) + 1);
  }
  return graph;
}

/** Folder cycles (each as the list of folders around it), by depth-first search. */
export function folderCycles(graph: ReadonlyMap<string, ReadonlyMap<string, number>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

/** The graph as lines `a -> b (n)`, sorted. */
export function formatFolderGraph(graph: ReadonlyMap<string, ReadonlyMap<string, number>>): string[] {
  const lines: string[] = [];
  for (const a of [...graph.keys()].sort()) {
    for (const [b, n] of [...graph.get(a)!.entries()].sort(([x], [y]) => x.localeCompare(y))) {
      lines.push(`${folderLabel(a)} -> ${folderLabel(b)} (${n})`);
    }
  }
  return lines;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const imports = sourceImports();
  if (process.argv.includes('--files')) {
    for (const i of imports) console.log(`${i.from}:${i.line} -> ${i.target ?? i.specifier}${i.typeOnly ? ' (type)' : ''}`);
  } else {
    const graph = folderGraph(imports);
    for (const line of formatFolderGraph(graph)) console.log(line);
    const cycles = folderCycles(graph);
    console.log(cycles.length === 0 ? 'no folder cycles' : `folder cycles:\n${cycles.map((c) => `  ${c.map(folderLabel).join(' -> ')}`).join('\n')}`);
  }
}
