import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil, ROOT } from './run-cli.ts';
import { FIELDS } from '../../src/core/fields.ts';

test('`vigil version` prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = vigil(['version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `vigil ${pkg.version} (node ${process.version})\n`);
});

test('`vigil fields` lists every registry field, one per line', () => {
  const r = vigil(['fields']);
  assert.equal(r.code, 0);
  const names = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(names, FIELDS.map((f) => f.name));
});

test('`vigil fields --json` is the registry as JSON', () => {
  const r = vigil(['fields', '--json']);
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.stdout) as { fields: Array<{ name: string; type: string }> };
  assert.deepEqual(doc.fields.map((f) => [f.name, f.type]), FIELDS.map((f) => [f.name, f.type]));
});

test('`vigil fields --markdown` is the committed docs/fields.md', () => {
  const r = vigil(['fields', '--markdown']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, readFileSync(join(ROOT, 'docs', 'fields.md'), 'utf8'));
});

test('an unknown command is a usage error (exit 2)', () => {
  const r = vigil(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('--help describes each command and exits 0', () => {
  const r = vigil(['--help']);
  assert.equal(r.code, 0);
  for (const cmd of ['run', 'replay', 'rules', 'fields', 'plugins', 'version']) assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
});

test('`vigil plugins` lists the stock plugins by kind', () => {
  const r = vigil(['plugins', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; name: string; origin: string });
  assert.deepEqual(rows.map((x) => `${x.kind}:${x.name}:${x.origin}`), ['action:block:stock', 'action:log:stock', 'input:jsonl:stock', 'input:pcapfile:stock', 'input:procnet:stock']);
});

test('docs/cli.md has a section for every command and a row for every option', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  const commands = vigil(['--help']).stdout.split('Commands:')[1].split('\n')
    .filter((l) => /^  \S/.test(l)).map((l) => l.trim().split(/\s+/)[0]).filter((c) => c !== 'help');
  // The lists below come from --help; if it stopped listing something, the loops would check nothing.
  for (const c of ['run', 'replay', 'rules', 'fields', 'plugins', 'config', 'version']) assert.ok(commands.includes(c), `--help lists \`${c}\` (got ${commands.join(', ')})`);
  for (const c of commands) {
    const sub = c === 'rules' ? ['rules check', 'rules list', 'rules test'] : [c];
    for (const s of sub) assert.match(doc, new RegExp(`^## vigil ${s}\\b`, 'm'), `docs/cli.md documents \`vigil ${s}\``);
  }
  for (const c of ['run', 'replay']) {
    const opts = [...vigil([c, '--help']).stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
    for (const o of ['--config', '--rules', '--var']) assert.ok(opts.includes(o), `vigil ${c} --help lists ${o} (got ${opts.join(', ')})`);
    for (const o of opts) assert.ok(doc.includes('`' + o), `docs/cli.md documents ${c} ${o}`);
  }
});

test('`vigil config check` accepts the embedded default and locates a bad plugin setting (exit 1)', (t) => {
  const ok = vigil(['config', 'check']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^ok: <embedded default>: 1 inputs, 0 enrichers, \d+ rules$/m);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, 'rules:\n  stock: false\ninputs:\n  - use: procnet\n    interval: 2s\n    max_socket: 10\nactions:\n  log:\n    format: yaml\n');
  const bad = vigil(['config', 'check', file]);
  assert.equal(bad.code, 1);
  assert.ok(bad.stdout.includes(`${file}:6:5 input "procnet" (plugin procnet) key \`inputs[0].max_socket\` is not a valid key; did you mean \`max_sockets\`? [VGL_CONFIG_UNKNOWN_KEY]`), bad.stdout);
  assert.ok(bad.stdout.includes(`${file}:9:13 action "log" (plugin log) key \`actions.log.format\` must be one of "json", "text", got "yaml" [VGL_CONFIG_INVALID]`), bad.stdout);
});
