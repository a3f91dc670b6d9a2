/**
 * The error-code registry (src/error-codes.ts) against the code that throws
 * and the README that documents: one list, kept the same in all three places.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, type ErrorCategory } from '../../src/error-codes.js';
import { EXIT_CODES } from '../../src/errors.js';
import { listSourceFiles, REPO_ROOT, SRC_DIR } from '../../scripts/import-graph.js';

const registry = ERROR_CODES as Readonly<Record<string, { category: ErrorCategory; summary: string }>>;

/** `'ERR_…'` literals per file of src/, and the category each construction passes when it is a literal. */
function codesInSource(): { code: string; file: string; category: string | null }[] {
  const found: { code: string; file: string; category: string | null }[] = [];
  for (const rel of listSourceFiles()) {
    if (rel === 'error-codes.ts') continue;
    const text = readFileSync(path.join(SRC_DIR, rel), 'utf8');
    for (const m of text.matchAll(/'(ERR_[A-Z0-9_]+)'(\s*,\s*'([a-z]+)')?/g)) {
      const category = /new (OutputError)\(\s*$/.test(text.slice(0, m.index)) ? 'output' : /new (InvalidStateError)\(\s*$/.test(text.slice(0, m.index)) ? 'internal' : (m[3] ?? null);
      found.push({ code: m[1]!, file: rel, category });
    }
  }
  return found;
}

/** The README's error table: category → the codes in its row. */
function readmeTable(readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')): Map<string, string[]> {
  const section = readme.slice(readme.indexOf('## Errors and exit codes'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n').slice(0, 40)) {
    const m = /^\| (\d+) \| (\w+) \|(.*)\|$/.exec(line);
    if (m) rows.set(m[2]!, [...m[3]!.matchAll(/`(ERR_[A-Z0-9_]+)`/g)].map((c) => c[1]!));
  }
  return rows;
}

describe('errors: the code registry', () => {
  it('lists every code thrown or sent in src/, and only those', () => {
    const used = codesInSource();
    const unknown = used.filter((u) => !(u.code in registry)).map((u) => `${u.code} (${u.file})`);
    assert.deepEqual(unknown, [], 'codes used in src/ but missing from src/error-codes.ts');
    const unused = Object.keys(registry).filter((c) => !used.some((u) => u.code === c));
    assert.deepEqual(unused, [], 'codes in src/error-codes.ts that nothing uses');
  });

  it('gives each code the category it is thrown with', () => {
    const wrong = codesInSource()
      .filter((u) => u.category !== null && u.category !== registry[u.code]?.category)
      .map((u) => `${u.code} thrown as ${u.category} in ${u.file}, registered as ${registry[u.code]?.category}`);
    assert.deepEqual(wrong, []);
  });

  it('has a category with an exit code and a summary for every code', () => {
    for (const [code, info] of Object.entries(registry)) {
      assert.ok(info.category in EXIT_CODES, `${code}: category ${info.category} has no exit code`);
      assert.ok(info.summary.length > 10, `${code}: summary missing`);
    }
  });

  it('is the README error table: every code in the row of its category, no other code', () => {
    const table = readmeTable();
    for (const [cat, exit] of Object.entries(EXIT_CODES)) assert.ok(table.has(cat), `README has no row for ${cat} (exit ${exit})`);
    const missing = Object.entries(registry).filter(([code, info]) => !(table.get(info.category) ?? []).includes(code)).map(([c, i]) => `${c} (${i.category})`);
    assert.deepEqual(missing, [], 'codes missing from their README row');
    const extra = [...table.entries()].flatMap(([cat, codes]) => codes.filter((c) => registry[c]?.category !== cat).map((c) => `${c} in the ${cat} row`));
    assert.deepEqual(extra, [], 'README codes not registered under that category');
  });
});
