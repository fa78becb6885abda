import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, pkt } from './helpers/harness.ts';

/** The YAML examples of the correlation-types and contexts sections of docs/rules.md. */
function examples(): string[] {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rules.md'), 'utf8');
  const part = doc.slice(doc.indexOf('## Correlation types'), doc.indexOf('## Condition helpers'));
  return [...part.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('every rule example of the correlation types and contexts sections loads as written', () => {
  const list = examples();
  assert.ok(list.length >= 9, `found ${list.length} examples`);
  for (const ex of list) {
    const indented = ex.replace(/^/gm, '  ');
    assert.doesNotThrow(() => harness(`lists:\n  hot_ports: [23, 2323]\nrules:\n${indented}`), ex);
  }
});

test('the single example behaves as its text says', () => {
  const h = harness(`rules:\n${examples()[0].replace(/^/gm, '  ')}`);
  const t0 = 1_764_000_000_000;
  h.feed(pkt({ ts: t0, dport: 23 }), pkt({ ts: t0 + 600_000, dport: 23 }), pkt({ ts: t0 + 600_001, dport: 23 }));
  assert.deepEqual(h.hits.map((x) => x.ts - t0), [0, 600_001]);
});

test('the contexts example: a marked scanner reaching ssh', () => {
  const ex = examples().at(-1)!;
  const h = harness(`lists:\n  hot_ports: [23, 2323]\nrules:\n${ex.replace(/^/gm, '  ')}`);
  h.feed(pkt({ ts: 1, dport: 2323 }), pkt({ ts: 2, dport: 22, flags: 'A' }));
  assert.deepEqual(h.hits.map((x) => x.rule), ['mark-scanner', 'scanner-reaches-ssh']);
});
