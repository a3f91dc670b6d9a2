import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveStatic } from '../../src/server/static-files.js';

describe('live: static files of the viewer', () => {
  let base: string;
  let root: string;

  before(() => {
    base = mkdtempSync(path.join(tmpdir(), 'f2d-static-'));
    root = path.join(base, 'viewer');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(root, 'sub', 'a.js'), 'export {}');
    writeFileSync(path.join(root, 'notes.txt'), 'not served');
    writeFileSync(path.join(base, 'secret.json'), '{"secret":true}');
    symlinkSync(path.join(base, 'secret.json'), path.join(root, 'link.json'));
  });

  after(() => rmSync(base, { recursive: true, force: true }));

  it('serves files inside the folder with their content type', async () => {
    const html = await resolveStatic(root, '/index.html');
    assert.equal(html?.contentType, 'text/html; charset=utf-8');
    assert.equal((await resolveStatic(root, '/sub/a.js'))?.contentType, 'text/javascript; charset=utf-8');
  });

  it('refuses every way out of the folder', async () => {
    const attempts = ['/../secret.json', '/sub/../../secret.json', '/%2e%2e/secret.json', '/..%2fsecret.json', '/sub%2f..%2f..%2fsecret.json', '/..\\secret.json', '/link.json', '/index.html%00.js', '/%E0%A4%A'];
    for (const a of attempts) assert.equal(await resolveStatic(root, a), null, a);
  });

  it('refuses unknown types, folders and missing files', async () => {
    assert.equal(await resolveStatic(root, '/notes.txt'), null);
    assert.equal(await resolveStatic(root, '/sub'), null);
    assert.equal(await resolveStatic(root, '/nope.js'), null);
  });
});
