/**
 * The engine bench's workload, one definition shared by bench/engine.ts and
 * bench/engine-floor.ts: the 50 rules, the seeded event pool, the filler
 * that writes pool entries into reused event objects, and one timed run of
 * the engine over them.
 */
import { EventClock } from '../../src/core/clock.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import { Engine } from '../../src/core/engine/engine.ts';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { formatDiagnostic } from '../../src/core/rules/diagnostics.ts';
import type { VigilEvent } from '../../src/core/event.generated.ts';
import { newPacketParts, type PacketEvent } from '../../src/core/decode/packet-event.ts';
import type { Rng } from './rng.ts';

export const SEED = 7;
/** Pool size (a power of two); BENCH_POOL changes it when looking for costs. */
export const POOL = Number(process.env.BENCH_POOL ?? 8192);
/** Event time of the first event; events come 10 per ms. */
export const BASE_TS = 1_764_000_000_000;

/** 50 rules: 14 single, 14 threshold, 5 pair, 5 group, 3 first_seen, 5 anomaly, 4 schedule. */
export function benchRules(): string {
  const r: string[] = [];
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const add = (id: string, body: string) => only && !only.test(id) ? undefined : r.push(`  - id: ${id}\n    description: Bench rule ${id}.\n${body.replace(/^/gm, '    ')}`);
  const hot = [23, 2323, 3389, 445, 1433, 5900, 6379];
  hot.forEach((p, i) => add(`hot-port-${p}`, `on: [packet]\nwhen: tcp.flags.syn && !tcp.flags.ack && dst.port == ${p}\ntype: single\nkey: [src.ip]\nsuppress: 10m\nseverity: high\nactions:\n  - context.set: { name: scanner, key: "{{src.ip}}", ttl: 1h }`));
  add('xmas', 'on: [packet]\nwhen: tcp.flags.str == "FPU"\ntype: single\nkey: [src.ip]');
  add('null-scan', 'on: [packet]\nwhen: proto == "tcp" && tcp.flags.byte == 0\ntype: single\nkey: [src.ip]');
  add('fin-scan', 'on: [packet]\nwhen: tcp.flags.str == "F"\ntype: single\nkey: [src.ip]\nsuppress: 1m');
  add('syn-fin', 'on: [packet]\nwhen: tcp.flags.syn && tcp.flags.fin\ntype: single\nkey: [src.ip]');
  add('low-ttl', 'on: [packet]\nwhen: ip.ttl < 3 && proto == "udp"\ntype: single\nkey: [src.ip]\nsuppress: 1m');
  add('known-scanner-ssh', 'on: [packet]\nwhen: dst.port == 22 && context("scanner", src.ip)\ntype: single\nkey: [src.ip]\nsuppress: 1m');
  add('flow-to-smtp', 'on: [flow]\nwhen: flow.state == "new" && dst.port == 25\ntype: single\nkey: [src.ip]\nsuppress: 1h');
  [10, 20, 30, 50].forEach((n) => add(`distinct-ports-${n}`, `on: [packet]\nwhen: tcp.flags.syn && !tcp.flags.ack\ntype: threshold\nkey: [src.ip]\ndistinct: dst.port\ncount: ${n}\nwindow: ${n}s\ncollect:\n  ports: { values: dst.port, max: 20 }\n  ttl: { same: ip.ttl }`));
  [5, 15].forEach((n) => add(`same-port-${n}`, `on: [packet]\nwhen: tcp.flags.syn && !tcp.flags.ack\ntype: threshold\nkey: [src.ip, dst.port]\ncount: ${n}\nwindow: 60s`));
  add('scanlogd', 'on: [packet]\nwhen: tcp.flags.syn && !tcp.flags.ack\ntype: threshold\nkey: [src.ip]\ndistinct: dst.port\nweight: "dst.port < 1024 ? 3 : 1"\ncount: 21\ngap: 3s\ncollect:\n  flags_or: { or: tcp.flags.byte }\n  flags_and: { and: tcp.flags.byte }');
  add('udp-bytes', 'on: [packet]\nwhen: proto == "udp"\ntype: threshold\nkey: [src.ip]\nweight: bytes\ncount: 200000\nwindow: 10s');
  add('icmp-flood', 'on: [packet]\nwhen: proto == "icmp"\ntype: threshold\nkey: [src.ip]\ncount: 100\nwindow: 1s\nrecover: { count: 5, window: 10s }');
  add('rst-storm', 'on: [packet]\nwhen: tcp.flags.rst\ntype: threshold\nkey: [dst.ip]\ncount: 200\nwindow: 5s');
  add('udp-ports', 'on: [packet]\nwhen: proto == "udp"\ntype: threshold\nkey: [src.ip]\ndistinct: dst.port\ncount: 25\nwindow: 30s');
  add('flow-burst', 'on: [flow]\nwhen: flow.state == "new"\ntype: threshold\nkey: [src.ip]\ncount: 50\nwindow: 10s');
  add('flow-dest-ports', 'on: [flow]\nwhen: flow.state == "new"\ntype: threshold\nkey: [src.ip]\ndistinct: dst.port\ncount: 40\nwindow: 60s');
  add('slow-scan', 'on: [packet]\nwhen: tcp.flags.syn && !tcp.flags.ack && dst.port > 1024\ntype: threshold\nkey: [src.ip]\ndistinct: dst.port\ncount: 30\nwindow: 10m');
  add('syn-no-ack', 'on: [packet]\nwhen: tcp.flags.syn\ntype: pair\nfirst: { when: "tcp.flags.syn && !tcp.flags.ack", key: [src.ip, dst.ip, src.port] }\nsecond: { when: "tcp.flags.syn && tcp.flags.ack", key: [dst.ip, src.ip, dst.port] }\nwindow: 3s\nabsence: true');
  add('syn-rst', 'on: [packet]\nwhen: tcp.flags.syn || tcp.flags.rst\ntype: pair\nfirst: { when: "tcp.flags.syn && !tcp.flags.ack", key: [src.ip, dst.ip, src.port] }\nsecond: { when: "tcp.flags.rst", key: [dst.ip, src.ip, dst.port] }\nwindow: 3s');
  add('udp-unreach', 'on: [packet]\nwhen: proto == "udp" || proto == "icmp"\ntype: pair\nfirst: { when: "proto == \'udp\'", key: [src.ip, dst.ip] }\nsecond: { when: "proto == \'icmp\' && icmp.type == 3", key: [dst.ip, src.ip] }\nwindow: 2s');
  add('flow-new-destroy', 'on: [flow]\nwhen: flow.state != "update"\ntype: pair\nfirst: { when: "flow.state == \'new\'", key: [flow.id] }\nsecond: { when: "flow.state == \'destroy\'", key: [flow.id] }\nwindow: 1s');
  add('ssh-then-smtp', 'on: [packet]\nwhen: tcp.flags.str == "S"\nkey: [src.ip]\ntype: pair\nfirst: { when: "dst.port == 22" }\nsecond: { when: "dst.port == 25" }\nwindow: 10s');
  for (let i = 0; i < 5; i++) add(`mixed-${i}`, `on: [packet]\nwhen: tcp.flags.str == "S" || tcp.flags.str == "F" || proto == "udp"\ntype: group\nkey: [src.ip]\nwindow: ${10 + i}s\ngroups:\n  syn: { when: "tcp.flags.str == 'S'", count: ${3 + i} }\n  fin: { when: "tcp.flags.str == 'F'", count: 1 }\n  udp: { when: "proto == 'udp'", count: 2 }`);
  add('new-peer', 'on: [flow]\nwhen: flow.state == "new"\ntype: first_seen\nkey: [src.ip]');
  add('new-service', 'on: [flow]\nwhen: flow.state == "new"\ntype: first_seen\nkey: [src.ip, dst.port]\nforget_after: 7d');
  add('new-talker', 'on: [packet]\nwhen: tcp.flags.syn && tcp.flags.ack\ntype: first_seen\nkey: [src.ip]');
  add('flow-bytes', 'on: [flow]\ntype: anomaly\nkey: [src.ip]\nvalue: bytes\ninterval: 5s\nhistory: 12\nwarmup: 6');
  add('pkt-bytes', 'on: [packet]\ntype: anomaly\nkey: [dst.port]\nvalue: bytes\ninterval: 5s\nhistory: 12\nwarmup: 6\ndetectors: { zscore: { direction: both }, bounds: { upper: 10000000 } }');
  add('pkt-count', 'on: [packet]\nwhen: proto == "udp"\ntype: anomaly\nkey: [src.ip]\nvalue: "1"\ninterval: 10s\nhistory: 10\nwarmup: 5');
  add('syn-rate', 'on: [packet]\nwhen: tcp.flags.syn && !tcp.flags.ack\ntype: anomaly\nkey: [dst.ip]\nvalue: "1"\ninterval: 5s');
  add('flow-packets', 'on: [flow]\ntype: anomaly\nkey: [dst.port]\nvalue: packets\ninterval: 5s');
  ['30s', '1m', '5m', '1h'].forEach((d, i) => add(`digest-${i}`, `on: [tick]\ntype: schedule\nevery: ${d}`));
  return `rules:\n${r.join('\n')}\n`;
}

/** A flow event with the one shape a flow input gives all its events (as the decoder does for packets). */
function flowEvent(sip: string, sport: number, dip: string, dport: number, bytes: number, packets: number, state: string, id: number): VigilEvent {
  return { ts: 0, kind: 'flow', input: 'bench', proto: 'tcp', src: { ip: sip, port: sport }, dst: { ip: dip, port: dport }, bytes, packets, flow: { state, id } } as VigilEvent;
}

/**
 * A pool of events shaped like a busy server's traffic: 85 % packets, 15 %
 * flows; packets mostly established TCP (ACK, PSH-ACK), some handshakes,
 * UDP and ICMP; 3,000 ordinary sources and 20 scanners sending 2 % of packets.
 */
export function eventPool(rng: Rng): VigilEvent[] {
  const src = (i: number) => `10.77.${(i >> 8) & 255}.${i & 255}`;
  const pool: VigilEvent[] = [];
  for (let i = 0; i < POOL; i++) {
    const scanner = rng.chance(0.02);
    const s = scanner ? src(60000 + rng.int(20)) : src(1 + rng.int(3000));
    const d = `10.77.200.${1 + rng.int(4)}`;
    const dport = scanner ? 1 + rng.int(10000) : rng.pick([22, 25, 53, 80, 443, 443, 443, 8080]);
    const sport = 32768 + rng.int(28000);
    if (rng.chance(0.15)) {
      pool.push(flowEvent(s, sport, d, dport, rng.int(100000), 1 + rng.int(100), rng.pick(['new', 'update', 'update', 'destroy']), rng.int(5000)));
      continue;
    }
    const x = rng.next();
    const proto = scanner || x < 0.9 ? 'tcp' : x < 0.98 ? 'udp' : 'icmp';
    const f = proto !== 'tcp' ? '' : scanner ? rng.pick(['S', 'S', 'S', 'F', 'FPU', '']) : rng.pick(['A', 'A', 'A', 'PA', 'PA', 'PA', 'PA', 'A', 'S', 'SA', 'FA', 'R']);
    const byte = (f.includes('F') ? 1 : 0) | (f.includes('S') ? 2 : 0) | (f.includes('R') ? 4 : 0) | (f.includes('P') ? 8 : 0) | (f.includes('A') ? 16 : 0) | (f.includes('U') ? 32 : 0);
    const parts = newPacketParts('bench');
    const ev = parts.ev;
    ev.proto = proto;
    ev.src.ip = s; ev.src.port = proto === 'icmp' ? 0 : sport;
    ev.dst.ip = d; ev.dst.port = proto === 'icmp' ? 0 : dport;
    ev.ip.version = 4; ev.ip.ttl = rng.pick([64, 64, 128, 255]); ev.ip.len = 60;
    if (proto === 'tcp') {
      const fl = parts.tcp.flags;
      fl.syn = f.includes('S'); fl.ack = f.includes('A'); fl.fin = f.includes('F'); fl.rst = f.includes('R'); fl.psh = f.includes('P'); fl.urg = f.includes('U');
      fl.byte = byte; fl.str = f;
      ev.tcp = parts.tcp;
    } else if (proto === 'udp') ev.udp = parts.udp;
    else { parts.icmp.type = rng.pick([3, 8, 0]); parts.icmp.code = 3; ev.icmp = parts.icmp; }
    ev.bytes = 60 + rng.int(1400);
    pool.push(ev);
  }
  return pool;
}

/**
 * Inputs hand the engine one event object they own and overwrite (the
 * decoder does so for packets), so the event is always in cache and of one
 * shape. The pool is kept as columns of values to write into it, compact
 * like the packet bytes a decoder reads, so the harness costs little.
 */
export class EventFiller {
  private readonly packet = newPacketParts('bench');
  private readonly flowEv = flowEvent('', 0, '', 0, 0, 0, '', 0) as VigilEvent & { src: { ip: string; port: number }; dst: { ip: string; port: number }; flow: { state: string; id: number } };
  private readonly isFlow: Uint8Array;
  private readonly proto: (string | undefined)[];
  private readonly sip: string[];
  private readonly dip: string[];
  private readonly state: string[];
  private readonly str: string[];
  private readonly num: Int32Array;
  private static readonly W = 10;

  constructor(pool: readonly VigilEvent[]) {
    const n = pool.length, W = EventFiller.W;
    this.isFlow = new Uint8Array(n); this.proto = []; this.sip = []; this.dip = []; this.state = []; this.str = [];
    this.num = new Int32Array(n * W);
    pool.forEach((e, i) => {
      const x = e as PacketEvent & { flow?: { state: string; id: number } };
      const o = i * W, num = this.num;
      this.isFlow[i] = e.kind === 'flow' ? 1 : 0;
      this.proto.push(x.proto); this.sip.push(x.src.ip); this.dip.push(x.dst.ip);
      this.state.push(x.flow?.state ?? ''); this.str.push(x.tcp?.flags.str ?? '');
      num[o] = x.src.port; num[o + 1] = x.dst.port; num[o + 2] = x.bytes; num[o + 3] = x.packets;
      num[o + 4] = x.flow?.id ?? 0; num[o + 5] = x.ip?.ttl ?? 0; num[o + 6] = x.ip?.len ?? 0;
      num[o + 7] = x.tcp ? x.tcp.flags.byte : x.udp ? -1 : x.icmp ? -2 : -3;
      num[o + 8] = x.icmp?.type ?? 0; num[o + 9] = x.icmp?.code ?? 0;
    });
  }

  at(i: number): VigilEvent {
    const o = i * EventFiller.W, num = this.num;
    if (this.isFlow[i] === 1) {
      const f = this.flowEv;
      f.src.ip = this.sip[i]; f.src.port = num[o]; f.dst.ip = this.dip[i]; f.dst.port = num[o + 1];
      f.bytes = num[o + 2]; f.packets = num[o + 3]; f.flow.state = this.state[i]; f.flow.id = num[o + 4];
      return f;
    }
    const p = this.packet, ev = p.ev;
    ev.proto = this.proto[i];
    ev.src.ip = this.sip[i]; ev.src.port = num[o]; ev.dst.ip = this.dip[i]; ev.dst.port = num[o + 1];
    ev.ip.version = 4; ev.ip.ttl = num[o + 5]; ev.ip.len = num[o + 6];
    ev.bytes = num[o + 2];
    const b = num[o + 7];
    if (b >= 0) {
      const fl = p.tcp.flags;
      fl.fin = (b & 1) !== 0; fl.syn = (b & 2) !== 0; fl.rst = (b & 4) !== 0; fl.psh = (b & 8) !== 0; fl.ack = (b & 16) !== 0; fl.urg = (b & 32) !== 0;
      fl.byte = b; fl.str = this.str[i];
      ev.tcp = p.tcp; ev.udp = undefined; ev.icmp = undefined;
    } else if (b === -1) { ev.tcp = undefined; ev.udp = p.udp; ev.icmp = undefined; }
    else { p.icmp.type = num[o + 8]; p.icmp.code = num[o + 9]; ev.tcp = undefined; ev.udp = undefined; ev.icmp = p.icmp; }
    return ev;
  }
}

export function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; }
export const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} k` : n.toFixed(0));

export function runEngine(pool: VigilEvent[], yaml: string, events: number, onlyType?: string): { wall: number; cpu: number; hits: number; stats: ReturnType<Engine['stats']> } {
  const clock = new EventClock(0);
  let hits = 0;
  const engine = new Engine({ clock, sink: () => { hits++; }, host: emptyHostFacts() });
  const loaded = loadRulesetFromText([{ path: 'bench.yaml', text: yaml }], { runtime: engine.helpers });
  if (!loaded.ruleset) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  engine.load(onlyType ? { ...loaded.ruleset, rules: loaded.ruleset.rules.filter((r) => r.type === onlyType) } : loaded.ruleset);
    const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const fill = new EventFiller(pool);
  for (let i = 0; i < events; i++) {
    // As an input does: one reused event object per kind, its fields written per event.
    const ev = fill.at(i & (POOL - 1));
    ev.ts = BASE_TS + ((i / 10) | 0); // 10 events per ms: 1,000,000 events span 100 s of event time
    engine.feed(ev);
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const stats = engine.stats();
  if (process.env.BENCH_DEBUG) console.log(stats.rules.filter((r) => r.matches > events / 50).map((r) => `${r.id}:${r.matches}:${r.hits}`).join(" "));
  engine.close();
  return { wall, cpu: (c.user + c.system) / 1e6, hits, stats };
}

