import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, pkt } from './helpers/harness.ts';
import { newPacketParts } from '../../src/core/decode/packet-event.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';

const COUNTING = `
rules:
  - id: repeat
    description: Test rule repeat.
    on: [packet]
    type: threshold
    key: [src.ip]
    count: 2
    window: 10s
    message: "{{rule}} {{src.ip}}:{{src.port}} -> {{dst.port}} x{{count}} since {{first_ts}} key={{key['src.ip']}}"
    actions:
      - block: { address: "{{src.ip}}", duration: "{{count}}m" }
`;

test('templates see the event fields and the hit fields (rule, key, count, first_ts)', () => {
  const h = harness(COUNTING);
  h.feed(pkt({ ts: 1000, src: '10.77.0.7', sport: 4000, dport: 22 }), pkt({ ts: 2000, src: '10.77.0.7', sport: 4001, dport: 23 }));
  assert.equal(h.hits.length, 1);
  assert.equal(h.hits[0].message, 'repeat 10.77.0.7:4001 -> 23 x2 since 1000 key=10.77.0.7');
  assert.deepEqual(h.hits[0].actions, [{ plugin: 'block', params: { address: '10.77.0.7', duration: '2m' } }]);
});

test("an input's reused event object keeps its own fields and is never made a prototype by a hit", () => {
  // COUNTING, also collecting an object of the event: a hit that kept the input's object would change with it.
  const h = harness(`${COUNTING}    collect:\n      first_src: { first: src }\n`);
  const parts = newPacketParts('test');
  const ev = parts.ev;
  const keysBefore = Object.keys(ev);
  const fill = (ts: number, sport: number, ip = '10.77.0.8') => {
    ev.ts = ts; ev.proto = 'tcp'; ev.src.ip = ip; ev.src.port = sport; ev.dst.ip = '10.77.0.1'; ev.dst.port = 80;
    ev.tcp = parts.tcp;
    return ev as VigilEvent;
  };
  h.feed(fill(1000, 5000));
  h.feed(fill(1500, 5001));
  assert.equal(h.hits.length, 1);
  assert.match(h.hits[0].message, /^repeat 10\.77\.0\.8:5001 -> 80 x2/);
  assert.deepEqual(h.hits[0].data, { first_src: { ip: '10.77.0.8', port: 5000 } });
  assert.deepEqual(Object.keys(ev), keysBefore, 'no field added to the event');
  for (const k of ['rule', 'key', 'count', 'first_ts', 'data']) assert.equal(Object.hasOwn(ev, k), false, `the event has no \`${k}\``);
  assert.equal(Object.getPrototypeOf(h.hits[0]), Object.prototype, 'the hit is a plain object, not one derived from the event');
  // The emitted hit holds nothing of the input's object: overwriting every field the hit shows changes nothing already emitted.
  const emitted = JSON.stringify(h.hits[0]);
  fill(9000, 6000, '10.77.0.99');
  assert.equal(JSON.stringify(h.hits[0]), emitted);
});

test('events of odd shapes (a key named __proto__, names that are not identifiers) render too', () => {
  const h = harness(`
rules:
  - id: any
    description: Test rule any.
    on: [packet]
    type: single
    key: [src.ip]
    message: "{{src.ip}} {{proto}} {{tcp}}{{count}}"
`);
  const odd = JSON.parse('{"ts": 5, "kind": "packet", "input": "t", "proto": "udp", "src": {"ip": "10.77.0.9", "port": 1}, "dst": {"ip": "10.77.0.1", "port": 2}, "__proto__": {"proto": "icmp", "tcp": "injected"}, "x-y": 1}') as VigilEvent;
  h.feed(odd);
  assert.equal(h.hits.length, 1);
  assert.equal(h.hits[0].message, '10.77.0.9 udp ', 'an own `__proto__` field lends the scope nothing');
  assert.equal(Object.getPrototypeOf(odd), Object.prototype, 'the event was not touched');
});

test('hits of rules with no message and no actions render the default message without a scope', () => {
  const h = harness(`
rules:
  - id: bare
    description: Test rule bare.
    on: [packet]
    type: single
    key: [src.ip, dst.port]
`);
  h.feed(pkt({ ts: 10, src: '10.77.0.3', dport: 443 }));
  assert.equal(h.hits[0].message, 'bare 10.77.0.3 443');
  assert.deepEqual(h.hits[0].actions, []);
});
