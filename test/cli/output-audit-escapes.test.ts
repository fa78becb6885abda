/**
 * Text output of `vigil replay` and of the log action is one line per hit or
 * event, whatever the event's strings hold: a forged field must not add a
 * line nor reach the reader's terminal as an escape sequence.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from './run-cli.ts';

const T0 = Date.UTC(2026, 0, 1);
// A process name that tries to forge a second hit line, colour the terminal, ring its bell and flip the text direction.
const FORGED_EXE = '/tmp/x\n2026-01-01T00:00:00.000Z CRITICAL fake-rule src=10.0.0.66 fake\r\u001b[2J\u001b]0;owned\u0007\u009b31m\u202eexe\u2028';
const LONE_SURROGATE_USER = 'u\ud800ser';

let dir: string;
let events: string;
let rulesDir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-output-audit-'));
  events = join(dir, 'events.jsonl');
  writeFileSync(events, JSON.stringify({
    ts: T0, kind: 'socket', input: 'procnet', proto: 'tcp',
    src: { ip: '10.0.0.1', port: 40000 }, dst: { ip: '10.0.0.2', port: 22 },
    sock: { change: 'appeared', state: 'ESTABLISHED', direction: 'out' },
    proc: { pid: 4242, exe: FORGED_EXE, user: LONE_SURROGATE_USER },
  }) + '\n');
  rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'r.yaml'), `rules:
  - id: odd-exe
    description: any socket; the message and a log note carry process fields
    on: [socket]
    when: "true"
    type: single
    key: [src.ip]
    severity: high
    message: "exe={{proc.exe}} user={{proc.user}}"
    actions:
      - log: { note: "by {{proc.exe}}" }
`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** No character that breaks a line or drives a terminal: C0/C1 controls, DEL, U+2028/9, bidi controls, lone surrogates. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function assertOneSafeLine(text: string, what: string): string {
  assert.ok(text.endsWith('\n'), `${what} ends its line`);
  const body = text.slice(0, -1);
  assert.ok(!body.includes('\n'), `${what} is one line, got ${JSON.stringify(text)}`);
  assert.doesNotMatch(body, UNSAFE, `${what} holds no control character`);
  return body;
}

test('replay --format text prints a hit whose message holds a forged newline and escapes as one line, the controls written as visible escapes', () => {
  const r = vigil(['replay', events, '--rules', rulesDir, '--format', 'text', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  const line = assertOneSafeLine(r.stdout, 'the hit line');
  assert.ok(line.includes('exe=/tmp/x\\n2026-01-01T00:00:00.000Z CRITICAL fake-rule'), line);
  assert.ok(line.includes('fake\\r\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u202eexe\\u2028 '), line);
  // The lone surrogate is named, not silently turned into U+FFFD by the UTF-8 output.
  assert.ok(line.includes('user=u\\ud800ser'), line);
  assert.ok(line.includes('log(note=by /tmp/x\\n2026'), line);
});

test('replay --events --format text prints an event with control characters in its strings as one line', () => {
  const r = vigil(['replay', events, '--events', '--format', 'text', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  const line = assertOneSafeLine(r.stdout, 'the event line');
  assert.ok(line.includes(' pid=4242 exe=/tmp/x\\n2026-01-01T00:00:00.000Z CRITICAL'), line);
});

test('the log action in text format writes one line per hit, its note escaped like the rest of the line', () => {
  const out = join(dir, 'logs', 'hits.log');
  const cfg = join(dir, 'log-text.yaml');
  writeFileSync(cfg, `actions:\n  log: { path: ${JSON.stringify(out)}, format: text }\n`);
  const r = vigil(['replay', events, '--rules', rulesDir, '--config', cfg, '--actions', '--format', 'json', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  const line = assertOneSafeLine(readFileSync(out, 'utf8'), 'the logged line');
  assert.ok(line.endsWith(' note=by /tmp/x\\n2026-01-01T00:00:00.000Z CRITICAL fake-rule src=10.0.0.66 fake\\r\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u202eexe\\u2028'), line);
});
