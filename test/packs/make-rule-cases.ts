/**
 * Writes the `vigil rules test` cases of the two scan packs
 * (rules/<pack>/tests/<case>/{capture.pcap, case.yaml, expected.yaml}) from
 * the packet-level descriptions below, so each case is a small, readable
 * spec: which packets, at which time, and which hits they must give.
 *
 *   node --import tsx test/packs/make-rule-cases.ts
 *
 * test/packs/rule-cases.test.ts runs them with the real test runner.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROTO, icmpError, ip, tcp, udp } from '../../bench/lib/packets.ts';
import { frame } from '../../bench/lib/synth.ts';
import { pcapBytes } from '../../bench/lib/pcap-writer.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOST = '10.77.0.1';
const iso = (t: number) => new Date(t).toISOString();

interface Pkt { at: number; bytes: Uint8Array }
interface Expect { rule: string; at: number; src: string; tags?: string[]; message?: string; count?: number; actions?: unknown }
interface Case { pack: 'portscan' | 'scanlogd'; name: string; description: string; packets: Pkt[]; expect: Expect[]; vars?: Record<string, unknown>; listen?: Array<number | string> }

/** A TCP packet. */
const t = (at: number, src: string, dst: string, sport: number, dport: number, flags: string | number, seq = 1000, ack = 0, payload = 0): Pkt =>
  ({ at, bytes: frame(ip(src, dst, PROTO.TCP, tcp({ sport, dport, flags, seq, ack, payload }), { ttl: 64 })) });
/** A closed port's answer to a SYN. */
const refused = (at: number, p: { src: string; sport: number; dport: number }, seq = 1000): Pkt => t(at, HOST, p.src, p.dport, p.sport, 'RA', 0, seq + 1);
const syns = (src: string, ports: readonly number[], stepMs: number, start = T0, sport = 40000): Pkt[] =>
  ports.flatMap((port, i) => [t(start + i * stepMs, src, HOST, sport, port, 'S'), refused(start + i * stepMs + 1, { src, sport, dport: port })]);
const at = (i: number, stepMs: number, start = T0) => start + i * stepMs;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** The context the handshake rules set so that they report a source once per lockout. */
const ONCE: Readonly<Record<string, string>> = { 'portscan-half-connect': 'portscan_half_open', 'portscan-full-connect': 'portscan_aborted' };
const contexts = (addr: string, rule?: string) => [
  { plugin: 'context.set', params: { name: 'portscan_reported', key: addr, ttl: '9h' } },
  ...(rule && ONCE[rule] ? [{ plugin: 'context.set', params: { name: ONCE[rule], key: addr, ttl: '9h' } }] : []),
];
const block = (addr: string, rule?: string) => [{ plugin: 'block', params: { address: addr, duration: '9h' } }, ...contexts(addr, rule)];

const S1 = '203.0.113.5';
const S2 = '203.0.113.6';
const CLIENT = '198.51.100.20';

function portscanCases(): Case[] {
  const stealth = (name: string, flags: string | number, rule: string, tag: string): Case => ({
    pack: 'portscan', name, description: `One ${tag} probe to a closed port is enough; a second probe from the same source stays silent (suppressed for lockout_time).`,
    packets: [t(T0, S1, HOST, 40000, 111, flags), t(T0 + 100, S1, HOST, 40000, 113, flags)],
    expect: [{ rule, at: T0, src: S1, tags: [tag], actions: block(S1) }],
  });
  const handshake = (sport: number, dport: number, cseq: number, sseq: number) => ({
    syn: (when: number) => t(when, S1, HOST, sport, dport, 'S', cseq),
    synack: (when: number) => t(when, HOST, S1, dport, sport, 'SA', sseq, cseq + 1),
  });
  const open = handshake(41000, 22, 5000, 9000);
  const open2 = handshake(41001, 22, 7000, 11000);
  const benign = { sport: 50000, cseq: 100, sseq: 200 };
  const udpProbe = (i: number) => ip(S2, HOST, PROTO.UDP, udp({ sport: 45000, dport: 100 + i }));
  const cases: Case[] = [
    stealth('null-probe', 0, 'portscan-null', 'NULL'),
    stealth('fin-probe', 'F', 'portscan-fin', 'FIN'),
    stealth('xmas-probe', 'FPU', 'portscan-xmas', 'XMAS'),
    {
      pack: 'portscan', name: 'fin-ack-is-not-a-probe', description: 'FIN+ACK and SYN+FIN carry other flags than a FIN scan: no hit.',
      packets: [t(T0, S1, HOST, 40000, 111, 'FA'), t(T0 + 100, S1, HOST, 40000, 113, 'FA')], expect: [],
    },
    {
      pack: 'portscan', name: 'half-connect', description: 'SYN to an open port, SYN-ACK, then a bare RST carrying the acknowledged sequence number: a SYN scan, reported once though a second open port gets the same. A normal client on the same port is not accused.',
      packets: [
        open.syn(T0), open.synack(T0 + 1), t(T0 + 2, S1, HOST, 41000, 22, 'R', 5001),
        t(T0 + 5, S1, HOST, 41000, 80, 'S', 5000), t(T0 + 6, HOST, S1, 80, 41000, 'SA', 3000, 5001), t(T0 + 7, S1, HOST, 41000, 80, 'R', 5001),
        t(T0 + 10, CLIENT, HOST, benign.sport, 22, 'S', benign.cseq), t(T0 + 11, HOST, CLIENT, 22, benign.sport, 'SA', benign.sseq, benign.cseq + 1),
        t(T0 + 12, CLIENT, HOST, benign.sport, 22, 'A', benign.cseq + 1, benign.sseq + 1), t(T0 + 13, CLIENT, HOST, benign.sport, 22, 'PA', benign.cseq + 1, benign.sseq + 1, 40),
        t(T0 + 14, CLIENT, HOST, benign.sport, 22, 'FA', benign.cseq + 41, benign.sseq + 1), t(T0 + 15, CLIENT, HOST, benign.sport, 22, 'R', benign.cseq + 42),
      ],
      expect: [{ rule: 'portscan-half-connect', at: T0 + 2, src: S1, tags: ['HALF_CONNECT'], actions: block(S1, 'portscan-half-connect') }],
      listen: [22],
    },
    {
      pack: 'portscan', name: 'full-connect', description: 'A completed handshake aborted with RST+ACK before any byte: a connect scan. An abort after data is not.',
      packets: [
        open.syn(T0), open.synack(T0 + 1), t(T0 + 2, S1, HOST, 41000, 22, 'A', 5001, 9001), t(T0 + 3, S1, HOST, 41000, 22, 'RA', 5001, 9001),
        open2.syn(T0 + 10), open2.synack(T0 + 11), t(T0 + 12, S1, HOST, 41001, 22, 'PA', 7001, 11001, 20), t(T0 + 13, S1, HOST, 41001, 22, 'RA', 7021, 11001),
      ],
      expect: [{ rule: 'portscan-full-connect', at: T0 + 3, src: S1, tags: ['FULL_CONNECT'], actions: block(S1, 'portscan-full-connect') }],
      listen: [22],
    },
    {
      pack: 'portscan', name: 'multi-port', description: 'SYNs to 6 distinct closed ports within 60 s make MULTI_PORT on the sixth; 5 ports from another source make nothing; a served port does not count.',
      packets: [...syns(S1, [100, 101, 102, 103, 104, 105], 1000), ...syns(S2, [22, 100, 101, 102, 103, 104], 1000, T0 + 10)].sort((a, b) => a.at - b.at),
      expect: [{ rule: 'portscan-multi-port', at: at(5, 1000), src: S1, tags: ['MULTI_PORT'], count: 6, actions: block(S1) }],
      listen: [22],
    },
    {
      pack: 'portscan', name: 'multi-port-window', description: 'Six closed ports spread over more than 60 s (one every 13 s) never fill one pass.',
      packets: syns(S1, [100, 101, 102, 103, 104, 105], 13_000), expect: [],
    },
    {
      pack: 'portscan', name: 'one-port-many', description: '15 SYNs to one closed port within 60 s make ONE_PORT_MANY on the 15th; 14 from another source make nothing (below the slow thresholds too: one port per pass).',
      packets: [...syns(S1, Array(15).fill(8000), 100), ...syns(S2, Array(14).fill(8000), 100, T0 + 50)].sort((a, b) => a.at - b.at),
      expect: [{ rule: 'portscan-one-port-many', at: at(14, 100), src: S1, tags: ['ONE_PORT_MANY'], count: 15, actions: block(S1) }],
    },
    {
      pack: 'portscan', name: 'ephemeral-and-replies', description: 'Probes to ephemeral ports and the host’s own replies (SYN-ACK, RST-ACK to many client ports) accuse nobody.',
      packets: [
        ...range(40000, 10).map((p, i) => t(T0 + i * 10, S1, HOST, 1234, p, 'S')),
        ...range(0, 10).map((i) => t(T0 + 200 + i * 10, HOST, CLIENT, 22, 50000 + i, 'SA', 1, 1)),
        ...range(0, 10).map((i) => t(T0 + 400 + i * 10, HOST, CLIENT, 1000 + i, 50000 + i, 'RA', 0, 1)),
      ],
      expect: [],
    },
    {
      pack: 'portscan', name: 'udp-scan-via-icmp', description: 'Only the host’s ICMP port-unreachable errors are seen: the sender of the embedded datagrams is accused on the sixth distinct port, never the host.',
      packets: range(0, 6).map((i) => ({ at: T0 + i * 100, bytes: frame(ip(HOST, S2, PROTO.ICMP, icmpError(3, 3, udpProbe(i)))) })),
      expect: [{ rule: 'portscan-udp', at: at(5, 100), src: S2, tags: ['UDP_SCAN'], count: 6, actions: block(S2) }],
    },
    {
      pack: 'portscan', name: 'udp-scan-direct', description: 'UDP datagrams to 6 distinct closed ports; a served UDP port does not count, and its ICMP error, seen too, counts the same port once.',
      packets: [
        ...range(0, 7).map((i) => ({ at: T0 + i * 100, bytes: frame(i === 0 ? ip(S2, HOST, PROTO.UDP, udp({ sport: 45000, dport: 53 })) : udpProbe(i)) })),
        ...range(1, 6).map((i) => ({ at: T0 + i * 100 + 1, bytes: frame(ip(HOST, S2, PROTO.ICMP, icmpError(3, 3, udpProbe(i)))) })),
      ].sort((a, b) => a.at - b.at),
      expect: [{ rule: 'portscan-udp', at: at(6, 100), src: S2, tags: ['UDP_SCAN'], count: 6, actions: block(S2) }],
      listen: ['udp/53'],
    },
    {
      pack: 'portscan', name: 'slow-ports', description: 'Seven closed ports, one every 90 s: no pass sees six, the analysis window (8 h) sees seven.',
      packets: syns(S1, [100, 101, 102, 103, 104, 105, 106], 90_000),
      expect: [{ rule: 'portscan-slow-ports', at: at(6, 90_000), src: S1, tags: ['SLOW_SCAN'], count: 7, actions: block(S1) }],
    },
    {
      pack: 'portscan', name: 'slow-hits', description: 'One closed port tried every 90 s: SLOW_SCAN at the eighth try (one hit per port per pass).',
      packets: syns(S1, Array(8).fill(8080), 90_000),
      expect: [{ rule: 'portscan-slow-hits', at: at(7, 90_000), src: S1, tags: ['SLOW_SCAN'], count: 8, actions: block(S1) }],
    },
    {
      pack: 'portscan', name: 'fast-scan-is-not-slow', description: 'A fast 30-port scan is MULTI_PORT only: the slow rules skip a source already reported.',
      packets: syns(S1, range(100, 30), 10),
      expect: [{ rule: 'portscan-multi-port', at: at(5, 10), src: S1, tags: ['MULTI_PORT'], count: 6, actions: block(S1) }],
    },
  ];
  // Report-only: every rule on its own traffic, asking for a log line instead of a block.
  const twins: Array<[string, string, Pkt[], number, string]> = [];
  let base = T0;
  const srcs = range(1, 9).map((i) => `203.0.113.${100 + i}`);
  const next = () => (base += 600_000);
  twins.push(['portscan-null', 'NULL', [t(next(), srcs[0], HOST, 40000, 111, 0)], base, srcs[0]]);
  twins.push(['portscan-fin', 'FIN', [t(next(), srcs[1], HOST, 40000, 111, 'F')], base, srcs[1]]);
  twins.push(['portscan-xmas', 'XMAS', [t(next(), srcs[2], HOST, 40000, 111, 'FPU')], base, srcs[2]]);
  twins.push(['portscan-multi-port', 'MULTI_PORT', syns(srcs[3], range(100, 6), 100, next()), base + 500, srcs[3]]);
  twins.push(['portscan-one-port-many', 'ONE_PORT_MANY', syns(srcs[4], Array(15).fill(8000), 100, next()), base + 1400, srcs[4]]);
  const h = next();
  twins.push(['portscan-half-connect', 'HALF_CONNECT', [t(h, srcs[5], HOST, 41000, 22, 'S', 5000), t(h + 1, HOST, srcs[5], 22, 41000, 'SA', 9000, 5001), t(h + 2, srcs[5], HOST, 41000, 22, 'R', 5001)], h + 2, srcs[5]]);
  const f = next();
  twins.push(['portscan-full-connect', 'FULL_CONNECT', [t(f, srcs[6], HOST, 41000, 22, 'S', 5000), t(f + 1, HOST, srcs[6], 22, 41000, 'SA', 9000, 5001), t(f + 2, srcs[6], HOST, 41000, 22, 'A', 5001, 9001), t(f + 3, srcs[6], HOST, 41000, 22, 'RA', 5001, 9001)], f + 3, srcs[6]]);
  const u = next();
  twins.push(['portscan-udp', 'UDP_SCAN', range(0, 6).map((i) => ({ at: u + i * 10, bytes: frame(ip(srcs[7], HOST, PROTO.UDP, udp({ sport: 45000, dport: 100 + i }))) })), u + 50, srcs[7]]);
  const s = next() + 3_600_000;
  twins.push(['portscan-slow-ports', 'SLOW_SCAN', syns(srcs[8], range(100, 7), 90_000, s), s + 6 * 90_000, srcs[8]]);
  const sh = s + 3_600_000;
  twins.push(['portscan-slow-hits', 'SLOW_SCAN', syns('203.0.113.120', Array(8).fill(8080), 90_000, sh), sh + 7 * 90_000, '203.0.113.120']);
  cases.push({
    pack: 'portscan', name: 'report-only', description: 'With enforce: false every rule asks for a log line instead of a block (the actions’ `if:` decides at load).',
    vars: { enforce: false }, listen: [22],
    packets: twins.flatMap((x) => x[2]).sort((a, b) => a.at - b.at),
    expect: twins.map(([rule, tag, , when, src]) => ({
      rule, at: when, src, tags: [tag],
      actions: [{ plugin: 'log', params: { note: `report-only: ${src} not blocked (${rule})` } }, ...contexts(src, rule)],
    })).sort((a, b) => a.at - b.at),
  });
  return cases;
}

function scanlogdCases(): Case[] {
  const line = (ports: number[]) => `192.0.2.1:40000 to ${HOST} ports ${ports.join(', ')}, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00`;
  const SC = '192.0.2.1';
  const probes = (ports: readonly number[], stepMs = 100, src = SC, start = T0) => ports.map((p, i) => t(start + i * stepMs, src, HOST, 40000, p, 'S'));
  const one = (n: number, stepMs = 100, extra: Partial<Expect> = {}): Expect => ({ rule: 'scanlogd-scan', at: T0 + n * stepMs, src: SC, tags: ['SCANLOGD'], count: 21, ...extra });
  return [
    { pack: 'scanlogd', name: 'seven-privileged', description: 'Seven privileged ports (7 × 3 = 21): one line, on the seventh, listing six (the port that crossed the threshold is not listed).', packets: probes([21, 22, 23, 25, 53, 80, 110]), expect: [one(6, 100, { message: line([21, 22, 23, 25, 53, 80]) })] },
    { pack: 'scanlogd', name: 'six-privileged', description: 'Six privileged ports (18): no line.', packets: probes([21, 22, 23, 25, 53, 80]), expect: [] },
    {
      pack: 'scanlogd', name: 'twenty-one-high', description: '21 high ports: one line in scanlogd’s format, the ports that fit in 120 characters.',
      packets: probes(range(10000, 21)), expect: [one(20, 100, { message: line(range(10000, 6)) })],
    },
    { pack: 'scanlogd', name: 'twenty-high', description: '20 high ports: no line.', packets: probes(range(10000, 20)), expect: [] },
    { pack: 'scanlogd', name: 'five-privileged-six-high', description: '5 privileged + 6 high ports (15 + 6 = 21): one line.', packets: probes([21, 22, 23, 25, 53, 10000, 10001, 10002, 10003, 10004, 10005]), expect: [one(10)] },
    {
      pack: 'scanlogd', name: 'gap-exactly-3s', description: 'A pause of exactly 3 s before the seventh privileged port does not start over.',
      packets: [...probes([21, 22, 23, 25, 53, 80]), t(T0 + 500 + 3000, SC, HOST, 40000, 110, 'S')], expect: [{ rule: 'scanlogd-scan', at: T0 + 3500, src: SC, count: 21 }],
    },
    {
      pack: 'scanlogd', name: 'gap-over-3s', description: 'A pause of 3.001 s starts over: no line.',
      packets: [...probes([21, 22, 23, 25, 53, 80]), t(T0 + 500 + 3001, SC, HOST, 40000, 110, 'S')], expect: [],
    },
    {
      pack: 'scanlogd', name: 'log-limiter', description: 'Eight scans in 8 s: five lines, then "More possible port scans follow", then silence; a scan 40 s later logs again.',
      packets: [...range(1, 8).flatMap((n) => probes([21, 22, 23, 25, 53, 80, 110], 10, `192.0.2.${n}`, T0 + (n - 1) * 1000)), ...probes([21, 22, 23, 25, 53, 80, 110], 10, '192.0.2.50', T0 + 40_000)],
      expect: [
        ...range(1, 5).map((n) => ({ rule: 'scanlogd-scan', at: T0 + (n - 1) * 1000 + 60, src: `192.0.2.${n}` })),
        { rule: 'scanlogd-scan', at: T0 + 5000 + 60, src: '192.0.2.6', message: 'More possible port scans follow', tags: ['SCANLOGD', 'LIMITED'] },
        { rule: 'scanlogd-scan', at: T0 + 40_060, src: '192.0.2.50' },
      ],
    },
  ];
}

function write(c: Case): void {
  const dir = join(ROOT, 'rules', c.pack, 'tests', c.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pkts = [...c.packets].sort((a, b) => a.at - b.at);
  writeFileSync(join(dir, 'capture.pcap'), pcapBytes(pkts.map((p) => ({ tsMs: p.at, data: p.bytes }))));
  const caseYaml: Record<string, unknown> = { description: c.description, host: [HOST], listen: c.listen ?? [22, 80] };
  if (c.vars) caseYaml.vars = c.vars;
  writeFileSync(join(dir, 'case.yaml'), stringify(caseYaml, { lineWidth: 100 }));
  const expected = c.expect.map((e) => {
    const o: Record<string, unknown> = { rule: e.rule, ts: iso(e.at), src: e.src };
    if (e.tags) o.tags = e.tags;
    if (e.count !== undefined) o.count = e.count;
    if (e.message !== undefined) o.message = e.message;
    if (e.actions !== undefined) o.actions = e.actions;
    return o;
  });
  writeFileSync(join(dir, 'expected.yaml'), expected.length ? stringify(expected, { lineWidth: 160 }) : '[]\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  for (const c of [...portscanCases(), ...scanlogdCases()]) { write(c); console.log(`${c.pack}/tests/${c.name}`); }
}
