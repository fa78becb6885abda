/**
 * The log action's file can fail (a path that is a directory, no permission,
 * a full disk). That must cost the action its lines, reported and counted,
 * never the process: the same plugin runs inside `vigil run`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from './run-cli.ts';

const T0 = Date.UTC(2026, 0, 1);
let dir: string;
let events: string;
let rulesDir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-output-audit-log-'));
  events = join(dir, 'events.jsonl');
  const ev = (i: number) => ({
    ts: T0 + i * 1000, kind: 'socket', input: 'procnet', proto: 'tcp',
    src: { ip: `10.0.0.${i + 1}`, port: 40000 }, dst: { ip: '10.0.0.200', port: 22 },
  });
  writeFileSync(events, [ev(0), ev(1)].map((e) => JSON.stringify(e)).join('\n') + '\n');
  rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'r.yaml'), `rules:
  - id: any-socket
    description: every socket event is a hit that asks to be logged
    on: [socket]
    when: "true"
    type: single
    key: [src.ip]
    message: "{{src.ip}} connected"
    actions:
      - log: {}
`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a log path that cannot be opened fails each log request, logged with the reason, and the replay still prints every hit', () => {
  const notAFile = join(dir, 'is-a-directory');
  mkdirSync(notAFile);
  const cfg = join(dir, 'log-dir.yaml');
  writeFileSync(cfg, `actions:\n  log: { path: ${JSON.stringify(notAFile)}, format: text }\n`);
  const r = vigil(['replay', events, '--rules', rulesDir, '--config', cfg, '--actions', '--format', 'json', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { message: string }).message), ['10.0.0.1 connected', '10.0.0.2 connected']);
  const failures = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { action?: string; msg: string; err?: string })
    .filter((l) => l.action === 'log' && l.msg === 'action failed');
  assert.equal(failures.length, 2, r.stderr);
  for (const f of failures) assert.match(f.err ?? '', /EISDIR/);
  assert.match(r.stderr, /^replay: 1 file, 0 packets, 2 events, 2 hits/m);
});
