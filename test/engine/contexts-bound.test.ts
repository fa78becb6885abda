/**
 * Contexts whose *name* comes from the event. docs/rules.md allows it ("When
 * some `context.set` builds its name from a template, any name may be
 * set") and bounds each name to 100,000 keys, but nothing bounds the names:
 * ContextStore keeps one LruMap per name in `byName` and never removes one,
 * not even when its last key expires or is deleted. A flood of spoofed
 * sources through such a rule grows memory without limit, and keeps it after
 * every context has expired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { harness, pkt } from '../engine/helpers/harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

const rules = (ttl: string) => `
rules:
  - id: mark-source
    description: Marks each source under a context named after it.
    on: [packet]
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: "probe-{{src.ip}}", key: "seen"${ttl} }
`;

test('contexts named from event fields are freed once they have expired', { timeout: 30_000 }, () => {
  // Hits are not kept: the heap measured is the engine's, not the harness's list of 60,000 hits.
  const h = harness(rules(', ttl: 1s'), { sink: () => {} });
  gc();
  const before = process.memoryUsage().heapUsed;
  const N = 60_000;
  for (let i = 0; i < N; i++) h.feed(pkt({ ts: 1_000 + i, src: ip(i) }));
  // Long after every ttl: the next event sweeps expired contexts.
  h.feed(pkt({ ts: 10_000_000, src: '192.0.2.1' }));
  h.feed(pkt({ ts: 10_100_000, src: '192.0.2.1' }));
  const st = h.engine.contexts.stats();
  assert.equal(st.live, 1, 'only the last source is still marked');
  gc();
  const kept = process.memoryUsage().heapUsed - before;
  // Before names were dropped when empty, ~19 MB stayed (one empty LruMap per name ever set).
  assert.ok(kept < 8 * 2 ** 20, `${N} expired one-key contexts still hold ${Math.round(kept / 2 ** 20)} MB of heap`);
});

test('a flood of spoofed sources cannot grow contexts past the per-name cap by varying the name', { timeout: 30_000 }, () => {
  // No ttl: each context lives until evicted. Every name holds one key, so
  // the per-name cap (100,000 by default) never evicts anything and the
  // store grows by one map per spoofed source, without bound.
  const h = harness(rules(''));
  const N = 120_000;
  for (let i = 0; i < N; i++) h.feed(pkt({ ts: 1_000 + i, src: ip(i) }));
  const st = h.engine.contexts.stats();
  assert.ok(st.live <= 100_000, `${st.live} live contexts after ${N} spoofed sources (evictions: ${st.evictions})`);
});
