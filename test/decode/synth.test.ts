import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PacketDecoder } from '../../src/core/decode/decoder.ts';
import { Synth } from '../../bench/lib/synth.ts';
import { Rng } from '../../bench/lib/rng.ts';

function generate(seed: number, n: number): { ts: number[]; frames: Uint8Array[] } {
  const ts: number[] = [], frames: Uint8Array[] = [];
  new Synth({ seed, sink: (t, f) => { ts.push(t); frames.push(f); } }).run(n);
  return { ts, frames };
}

describe('traffic synth', () => {
  it('gives the same bytes and times for the same seed, and different ones for another', () => {
    const a = generate(5, 3000), b = generate(5, 3000), c = generate(6, 3000);
    assert.deepEqual(a.ts, b.ts);
    assert.deepEqual(a.frames, b.frames);
    assert.notDeepEqual(a.frames, c.frames);
  });

  it('writes exactly the asked number of frames, in time order', () => {
    const { ts } = generate(1, 5000);
    assert.equal(ts.length, 5000);
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i] >= ts[i - 1], `frame ${i} goes back in time`);
  });

  it('mixes TCP sessions, DNS-like UDP, ICMP echo, IPv6 and a little non-IP', () => {
    const { frames } = generate(2, 20000);
    const d = new PacketDecoder();
    const protos = new Map<string, number>();
    let v6 = 0, syn = 0, fin = 0, dns = 0;
    const clients = new Set<string>();
    for (const f of frames) {
      const ev = d.decode(1, f, f.length, f.length, 0);
      if (!ev) continue;
      protos.set(ev.proto!, (protos.get(ev.proto!) ?? 0) + 1);
      if (ev.ip?.version === 6) v6++;
      if (ev.tcp?.flags?.str === 'S') { syn++; clients.add(ev.src!.ip!); }
      if (ev.tcp?.flags?.fin) fin++;
      if (ev.dst?.port === 53) dns++;
    }
    const s = d.stats.snapshot();
    assert.equal(s.reasons.not_ip, s.dropped, 'only ARP is skipped');
    assert.ok(s.dropped > 0 && s.dropped < 0.05 * frames.length);
    for (const p of ['tcp', 'udp', 'icmp', 'icmp6']) assert.ok((protos.get(p) ?? 0) > 0, p);
    assert.ok(v6 > 0.03 * frames.length && v6 < 0.2 * frames.length, `IPv6 share ${v6}`);
    assert.ok(fin >= syn, 'sessions close');
    assert.ok(dns > 0);
    assert.ok(clients.size > 500, `${clients.size} distinct clients`);
  });

  it('lets other generators add flows and frames between normal traffic', () => {
    const got: Uint8Array[] = [];
    const s = new Synth({ seed: 3, sink: (_t, f) => got.push(f) });
    const marker = Uint8Array.of(0xde, 0xad);
    s.add((function* () { yield marker; yield marker; })());
    s.emit(marker, s.now + 1);
    s.run(5000);
    assert.equal(got.filter((f) => f === marker).length, 3);
    assert.equal(got.length, 5000);
  });
});

describe('seeded rng', () => {
  it('repeats for a seed and stays in range', () => {
    const a = new Rng(9), b = new Rng(9);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.range(3, 7);
      assert.ok(Number.isInteger(v) && v >= 3 && v <= 7);
    }
  });
});
