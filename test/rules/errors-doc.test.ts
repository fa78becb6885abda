/** The code table, the errors page and the codes vigil actually emits anywhere in its source stay in step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIAGNOSTIC_CODES, docsAnchor } from '../../src/core/rules/diagnostics.ts';
import { renderErrorsDoc } from '../../src/core/rules/errors-doc.ts';
import { LOADER_CODES } from '../../src/core/rules/codes.ts';
import { EXPR_CODES } from '../../src/core/expr/codes.ts';
import { CONFIG_CODES } from '../../src/core/config/codes.ts';
import { PLUGIN_CODES } from '../../src/core/plugins/codes.ts';

const REPO = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(REPO, 'docs', 'errors.md'), 'utf8');

test('docs/errors.md is exactly the page rendered from the code tables', () => {
  assert.equal(page, renderErrorsDoc(), 'regenerate docs/errors.md with `npm run gen`');
});

test('the four code tables share no code, so merging them hides none', () => {
  const tables = [LOADER_CODES, EXPR_CODES, CONFIG_CODES, PLUGIN_CODES].map((t) => Object.keys(t));
  assert.equal(Object.keys(DIAGNOSTIC_CODES).length, tables.reduce((n, t) => n + t.length, 0));
});

test('docs/errors.md has one section per code, and every docs anchor names one', () => {
  const headings = [...page.matchAll(/^### (VGL_[A-Z0-9_]+)$/gm)].map((m) => m[1]);
  assert.deepEqual([...headings].sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  assert.equal(new Set(headings).size, headings.length, 'no code is listed twice');
  for (const code of Object.keys(DIAGNOSTIC_CODES)) assert.equal(docsAnchor(code), `errors.md#${code.toLowerCase()}`);
});

test('every code named anywhere in src/ (quoted, or in a `[VGL_…]` message tail) is in the table', () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else if (n.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(REPO, 'src'));
  const used = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/\bVGL_[A-Z0-9_]*[A-Z0-9]\b/g)) used.add(m[0]);
  assert.ok(used.has('VGL_CONFIG_YAML') && used.has('VGL_PLUGIN_INVALID') && used.has('VGL_TEST_CASE'), 'the scan sees config, plugin and message-tail codes');
  const unknown = [...used].filter((c) => !Object.hasOwn(DIAGNOSTIC_CODES, c)).sort();
  assert.deepEqual(unknown, []);
});
