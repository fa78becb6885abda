/**
 * Adversarial checks of the threshold type against docs/rules.md. Each test
 * quotes the sentence it holds the engine to; each fails on the engine as it
 * is at the time of writing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from '../engine/helpers/harness.ts';

const rule = (params: string) => `
rules:
  - id: t
    description: Test rule t.
    on: [packet]
    type: threshold
    key: [src.ip]
${dedent(params)}
`;

/** The lines of `s` without blank ends, shifted so the least indented sits at the rule's parameter column. */
function dedent(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  const cut = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  return lines.map((l) => '    ' + l.slice(cut)).join('\n');
}

// docs/rules.md, threshold table: "`weight: expr` | add expr (a number; ≤ 0 or
// not a number adds nothing) instead of 1".
test('threshold weight: a value that is not a number (a boolean, a numeric string) adds nothing', () => {
  const got: Record<string, unknown[]> = {};
  for (const weight of ['tcp.flags.syn', `"'1'"`]) {
    const h = harness(rule(`
      count: 2
      window: 10s
      weight: ${weight}
    `));
    h.feed(pkt({ ts: 1 }), pkt({ ts: 2 }), pkt({ ts: 3 }));
    got[weight] = h.hits.map((x) => [x.ts, x.count]);
  }
  assert.deepEqual(got, { 'tcp.flags.syn': [], [`"'1'"`]: [] }, 'a boolean or string weight is not a number, so no event adds anything');
});

// docs/rules.md, threshold: "`collect` aggregates cover every matching event
// since the key's episode began (they are not windowed)", and, on per-key
// state: "Keys idle for longer than the type needs are dropped without waiting
// for the cap (expiry, not eviction)". Whatever an episode of a window-only
// threshold is, the aggregates a key reports must not depend on how many
// OTHER keys the rule saw meanwhile. They do: a key idle past its window keeps
// its first event's collect values until the periodic idle sweep (every 4096
// lookups of the rule) happens to drop it.
test('threshold collect (window only): a key\'s data does not depend on traffic of other keys', () => {
  const run = (others: number) => {
    const h = harness(rule(`
      count: 2
      window: 1s
      collect:
        ports: { values: dst.port }
    `));
    h.feed(pkt({ ts: 0, dport: 1 }));
    for (let i = 0; i < others; i++) h.feed(pkt({ ts: 2000 + i, src: `10.1.${i >> 8}.${i & 255}` }));
    h.feed(pkt({ ts: 10_000, dport: 2 }), pkt({ ts: 10_001, dport: 3 }));
    const mine = h.hits.filter((x) => x.src === '10.77.0.9');
    return mine.map((x) => ({ ts: x.ts, count: x.count, first_ts: x.first_ts, data: x.data }));
  };
  const quiet = run(0);
  const busy = run(5000);
  assert.equal(quiet.length, 1);
  assert.deepEqual(busy, quiet, 'the same events of one key must give the same hit, whatever other sources did');
});
