/**
 * Names chosen by the rule author become property names of the hit: key
 * parts in the map form of `key`, `collect` entries, `group` names. The
 * loader accepts `__proto__` for each; the hit must then carry it, or the
 * loader must refuse it (it did neither once: the value silently vanished).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { harness, pkt } from '../engine/helpers/harness.ts';
import { hitToJson } from '../../src/core/hit.ts';

function loaded(yaml: string): boolean {
  return loadRulesetFromText([{ path: 'site.yaml', text: yaml }]).ruleset !== null;
}

test('a key part named __proto__ is refused at load or kept in the hit', () => {
  const yaml = `
rules:
  - id: by-source
    description: d
    on: [packet]
    type: single
    key: { __proto__: src.ip, port: dst.port }
`;
  if (!loaded(yaml)) return;
  const h = harness(yaml);
  h.feed(pkt({ ts: 1000, src: '10.77.0.9', dport: 22 }));
  assert.equal(h.hits.length, 1);
  const json = JSON.parse(JSON.stringify(hitToJson(h.hits[0]))) as { key: Record<string, unknown> };
  assert.deepEqual(Object.entries(json.key), [['__proto__', '10.77.0.9'], ['port', 22]], 'the key part vanished from the hit');
});

test('a collect entry named __proto__ is refused at load or reported in data', () => {
  const yaml = `
rules:
  - id: ports
    description: d
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 2
    window: 10s
    collect: { __proto__: { values: dst.port } }
`;
  if (!loaded(yaml)) return;
  const h = harness(yaml);
  h.feed(pkt({ ts: 1000, dport: 22 }), pkt({ ts: 2000, dport: 23 }));
  assert.equal(h.hits.length, 1);
  assert.ok(Object.hasOwn(h.hits[0].data ?? {}, '__proto__'), `data is ${JSON.stringify(h.hits[0].data)}`);
});

test('a group named __proto__ is refused at load or counted in data.counts', () => {
  const yaml = `
rules:
  - id: mixed
    description: d
    on: [packet]
    type: group
    key: [src.ip]
    window: 10s
    groups: { __proto__: { when: "true", count: 1 }, syn: { when: "tcp.flags.syn", count: 1 } }
`;
  if (!loaded(yaml)) return;
  const h = harness(yaml);
  h.feed(pkt({ ts: 1000 }));
  assert.equal(h.hits.length, 1);
  const counts = (h.hits[0].data as { counts: Record<string, number> }).counts;
  assert.ok(Object.hasOwn(counts, '__proto__'), `data.counts is ${JSON.stringify(counts)}`);
});
