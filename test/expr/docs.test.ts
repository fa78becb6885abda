/** docs/expressions.md is the reference for helpers and codes: it must list exactly what the code has. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HELPERS } from '../../src/core/expr/helpers/index.ts';
import { EXPR_CODES } from '../../src/core/expr/codes.ts';

const doc = readFileSync(new URL('../../docs/expressions.md', import.meta.url), 'utf8');

test('every helper is in the helpers table with its signature, and the table has no others', () => {
  const rows = [...doc.matchAll(/^\| `([a-z_]+)\(/gm)].map((m) => m[1]);
  assert.deepEqual(rows, HELPERS.map((h) => h.name));
  for (const h of HELPERS) assert.ok(doc.includes(`| \`${h.signature}\` |`), `${h.name}: signature ${h.signature} not in the table`);
});

test('every expression diagnostic code is in the errors table, and the table has no others', () => {
  const rows = [...doc.matchAll(/^\| `(VGL_EXPR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(rows, Object.keys(EXPR_CODES).sort());
});
