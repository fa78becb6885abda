import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonEvent } from '../../src/core/decode/json-event.ts';

const opts = { input: 'jsonl' };
const problem = (text: string) => {
  const r = parseJsonEvent(text, opts);
  assert.equal(r.ok, false, text);
  return r.ok ? '' : r.problem;
};

describe('parseJsonEvent', () => {
  it('accepts nested and dotted fields, ISO or numeric ts, and canonicalises addresses', () => {
    const r = parseJsonEvent(JSON.stringify({
      kind: 'packet', ts: '2026-01-15T12:00:00.250Z', 'src.ip': '2001:DB8:0:0::1', src: { port: 4000 },
      dst: { ip: '10.77.0.2', port: 22 }, tcp: { flags: { syn: true, str: 'S' } }, proto: 'tcp', prefix: null,
    }), opts);
    assert.ok(r.ok);
    assert.deepEqual(r.event, {
      kind: 'packet', ts: Date.UTC(2026, 0, 15, 12, 0, 0, 250), src: { ip: '2001:db8::1', port: 4000 },
      dst: { ip: '10.77.0.2', port: 22 }, tcp: { flags: { syn: true, str: 'S' } }, proto: 'tcp', input: 'jsonl',
    });
    const n = parseJsonEvent('{"kind":"flow","ts":1764125410123.25,"input":"ct","flow":{"state":"new"}}', opts);
    assert.ok(n.ok);
    assert.equal(n.event.ts, 1764125410123.25);
    assert.equal(n.event.input, 'ct');
  });

  it('explains each kind of bad line', () => {
    assert.match(problem('{"kind":"packet","ts":1'), /^not valid JSON \(.*\); each line must be one complete JSON object$/);
    assert.match(problem('[1,2]'), /expected a JSON object, got an array/);
    assert.match(problem('{"ts":1}'), /`kind` is missing; add "kind": one of packet, flow, socket, tick/);
    assert.match(problem('{"kind":"packet"}'), /`ts` is missing/);
    assert.match(problem('{"kind":"pkt","ts":1}'), /`kind` must be one of packet, flow, socket, tick, got "pkt"/);
    assert.match(problem('{"kind":"packet","ts":"yesterday"}'), /`ts` must be ms since the epoch or an ISO 8601 time/);
    assert.match(problem('{"kind":"packet","ts":"2026-01-15 12:00"}'), /`ts` must be/, 'a time without zone is ambiguous');
    assert.match(problem('{"kind":"packet","ts":1,"dst":{"prot":22}}'), /`dst\.prot` is not a known field; did you mean `dst\.port`\?/);
    assert.match(problem('{"kind":"packet","ts":1,"dst":{"port":"22"}}'), /`dst\.port` must be a number, got "22"; write 22 without quotes/);
    assert.match(problem('{"kind":"packet","ts":1,"src":{"ip":"10.77.0.300"}}'), /`src\.ip` must be an IPv4 or IPv6 address as text, got "10\.77\.0\.300"/);
    assert.match(problem('{"kind":"packet","ts":1,"tcp":{"flags":{"syn":"yes"}}}'), /`tcp\.flags\.syn` must be true or false/);
    assert.match(problem('{"kind":"packet","ts":1,"tcp":5}'), /`tcp` must be an object holding flags\./);
  });

  it('keeps unknown fields only when asked to', () => {
    const r = parseJsonEvent('{"kind":"packet","ts":1,"site":{"rack":"b4"}}', { input: 'x', allowUnknownFields: true });
    assert.ok(r.ok);
    assert.deepEqual(r.event.site, { rack: 'b4' });
  });
});
