import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/core/config/load.ts';
import { configKeys } from '../../src/core/config/reference.ts';
import { PACKAGE_ROOT } from '../../src/core/config/paths.ts';

const EXAMPLE = join(PACKAGE_ROOT, 'config', 'example.yaml');

function keyPaths(o: unknown, prefix = ''): string[] {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return [];
  return Object.entries(o).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...(prefix === 'rules.vars' || p === 'actions' ? [] : keyPaths(v, p))];
  });
}

test('config/example.yaml is valid', () => {
  const { loaded, diagnostics } = loadConfigFile(EXAMPLE);
  assert.deepEqual(diagnostics, []);
  assert.equal(loaded!.config.metrics.listen, '127.0.0.1:9477');
});

test('config/example.yaml shows every key of the schema', () => {
  const shown = new Set(keyPaths(parse(readFileSync(EXAMPLE, 'utf8'))));
  const keys = configKeys().map((k) => k.path);
  // Sections every config has: an empty key list would make this check vacuous.
  for (const k of ['data_dir', 'rules.dirs', 'host.allow', 'metrics.listen', 'inputs']) assert.ok(keys.includes(k), `the schema lists ${k}`);
  const missing = keys.filter((p) => !shown.has(p));
  assert.deepEqual(missing, []);
});

test('every schema key has a description for the generated reference', () => {
  assert.deepEqual(configKeys().filter((k) => !k.description).map((k) => k.path), []);
});
