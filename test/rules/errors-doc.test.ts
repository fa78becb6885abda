/** The code table, the errors page and the codes the loader, compiler and types actually emit stay in step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIAGNOSTIC_CODES, docsAnchor } from '../../src/core/rules/diagnostics.ts';
import { renderErrorsDoc } from '../../src/core/rules/errors-doc.ts';

const REPO = join(import.meta.dirname, '..', '..');
const page = readFileSync(join(REPO, 'docs', 'errors.md'), 'utf8');

test('docs/errors.md is exactly the page rendered from the code tables', () => {
  assert.equal(page, renderErrorsDoc(), 'regenerate docs/errors.md from renderErrorsDoc()');
});

test('docs/errors.md has one section per code, and every docs anchor names one', () => {
  const headings = [...page.matchAll(/^### (VGL_[A-Z0-9_]+)$/gm)].map((m) => m[1]);
  assert.deepEqual([...headings].sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  assert.equal(new Set(headings).size, headings.length, 'no code is listed twice');
  for (const code of Object.keys(DIAGNOSTIC_CODES)) assert.equal(docsAnchor(code), `errors.md#${code.toLowerCase()}`);
});

test('every code the rule loader, expression compiler and correlation types can emit is in the table', () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else if (n.endsWith('.ts')) files.push(p);
    }
  };
  for (const d of ['rules', 'expr', 'engine']) walk(join(REPO, 'src', 'core', d));
  const used = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(VGL_[A-Z0-9_]+)'/g)) used.add(m[1]);
  const unknown = [...used].filter((c) => !Object.hasOwn(DIAGNOSTIC_CODES, c)).sort();
  assert.deepEqual(unknown, []);
});
