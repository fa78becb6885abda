/**
 * bench engine-floor: how fast can the engine bench's workload go at all on
 * this machine, in JavaScript? The same 1,000,000 events (same pool, same
 * filler, same event times) through the same 50 rules, but written by hand
 * as one loop of plain `Map`s: each rule's condition as a field test, its
 * state in a Map keyed like the rule, updated with the least work its type
 * needs. It is a ceiling for any rule engine in this runtime, not a rival:
 * it has no bounds (no max_keys, no eviction, nothing against a flood), no
 * late-event handling, no suppression or re-arming after a hit (it counts a
 * would-be hit and goes on), no hit rendering, no actions but the one
 * context set, no schedule clock, no reload, no error handling, and nothing
 * is configurable. Every one of those costs the engine time; none costs the
 * floor any.
 *
 *   node --import tsx bench/engine-floor.ts [--events N] [--runs N]   (or: npm run bench -- engine-floor)
 *
 * The engine runs in the same process, interleaved with the floor, so both
 * see the same machine state.
 */
import os from 'node:os';
import { Rng } from './lib/rng.ts';
import type { VigilEvent } from '../src/core/event.generated.ts';
import type { PacketEvent } from '../src/core/decode/packet-event.ts';
import { writeSection } from './lib/results.ts';
import { BASE_TS, benchRules, eventPool, EventFiller, fmt, median, POOL, runEngine, SEED } from './lib/engine-workload.ts';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const EVENTS = arg('--events', 1_000_000);
const RUNS = arg('--runs', 5);
const SEP = '\u001f';

type FlowEv = VigilEvent & { src: { ip: string; port: number }; dst: { ip: string; port: number }; bytes: number; packets: number; flow: { state: string; id: number } };

/** Event times of a key's recent matches, oldest first (a count in a sliding window). */
class Times {
  readonly ts: number[] = [];
  add(t: number, cutoff: number): number {
    const ts = this.ts;
    while (ts.length > 0 && ts[0] < cutoff) ts.shift();
    ts.push(t);
    return ts.length;
  }
}

/** Distinct values with their last sighting, in sighting order (a distinct count in a sliding window). */
class Distinct {
  readonly seen = new Map<unknown, number>();
  /** Weighted sum of the values held, for scanlogd's weights. */
  sum = 0;
  /** No held sighting is older than this: most adds then need no look at the oldest. */
  private oldest = Infinity;
  add(v: unknown, t: number, cutoff: number, w: number): number {
    const m = this.seen;
    if (this.oldest < cutoff) {
      this.oldest = Infinity;
      for (const [k, last] of m) { if (last >= cutoff) { this.oldest = last; break; } m.delete(k); this.sum -= weightOf(k, w); }
    }
    if (m.size === 0) this.oldest = t;
    if (m.has(v)) m.delete(v); else this.sum += weightOf(v, w);
    m.set(v, t);
    return m.size;
  }
}
/** `w` 0 means unweighted; else privileged ports weigh `w` (scanlogd's rule). */
const weightOf = (port: unknown, w: number): number => (w === 0 ? 1 : (port as number) < 1024 ? w : 1);

/** A rule's key → state, made on first use. */
function table<S>(make: () => S): (key: unknown) => S {
  const m = new Map<unknown, S>();
  return (key) => { let s = m.get(key); if (s === undefined) { s = make(); m.set(key, s); } return s; };
}

function runFloor(pool: VigilEvent[]): { cpu: number; wall: number; hits: number } {
  let hits = 0;
  const hot = [23, 2323, 3389, 445, 1433, 5900, 6379];
  const portCounts = [10, 20, 30, 50];
  // single with suppress: key → time of the last hit.
  const singles = Array.from({ length: 14 }, () => new Map<string, number>());
  const single = (i: number, k: string, t: number, suppress: number) => {
    const m = singles[i], last = m.get(k);
    if (last === undefined || t - last > suppress) { m.set(k, t); hits++; }
  };
  const scanner = new Map<string, number>(); // context "scanner", 1 h
  const distinctPorts = portCounts.map(() => table(() => new Distinct()));
  const samePort = [5, 15].map(() => table(() => new Times()));
  const scanlogd = table(() => ({ last: -Infinity, d: new Distinct() }));
  const udpBytes = table(() => ({ ts: [] as number[], ws: [] as number[], sum: 0 }));
  const icmpFlood = table(() => new Times());
  const rstStorm = table(() => new Times());
  const udpPorts = table(() => new Distinct());
  const flowBurst = table(() => new Times());
  const flowDestPorts = table(() => new Distinct());
  const slowScan = table(() => new Distinct());
  const pairs = Array.from({ length: 5 }, () => new Map<string, number>());
  const groups = Array.from({ length: 5 }, () => table(() => [new Times(), new Times(), new Times()]));
  const firstSeen = Array.from({ length: 3 }, () => new Set<string>());
  // anomaly: key → [interval number, sum in it]
  const anomalies = Array.from({ length: 5 }, () => table(() => [0, 0]));
  const series = (i: number, key: unknown, v: number, t: number, interval: number) => {
    const s = anomalies[i](key), n = Math.floor(t / interval);
    if (s[0] !== n) { s[0] = n; s[1] = 0; }
    s[1] += v;
  };
  const pair = (i: number, k: string, t: number, window: number): void => { pairs[i].set(k, t + window); };
  const answer = (i: number, k: string, t: number): void => {
    const due = pairs[i].get(k);
    if (due !== undefined) { pairs[i].delete(k); if (t <= due) hits++; }
  };

  const fill = new EventFiller(pool);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < EVENTS; n++) {
    const ev = fill.at(n & (POOL - 1));
    const t = BASE_TS + ((n / 10) | 0);
    ev.ts = t;
    if (ev.kind === 'flow') {
      const f = ev as FlowEv, sip = f.src.ip, state = f.flow.state;
      if (state === 'new') {
        if (f.dst.port === 25) single(13, sip, t, 3_600_000); // flow-to-smtp
        if (flowBurst(sip).add(t, t - 10_000) >= 50) hits++;
        if (flowDestPorts(sip).add(f.dst.port, t, t - 60_000, 0) >= 40) hits++;
        if (!firstSeen[0].has(sip)) { firstSeen[0].add(sip); hits++; }
        const k = sip + SEP + f.dst.port;
        if (!firstSeen[1].has(k)) { firstSeen[1].add(k); hits++; }
        pair(3, String(f.flow.id), t, 1000); // flow-new-destroy
      } else if (state === 'destroy') answer(3, String(f.flow.id), t);
      series(0, sip, f.bytes, t, 5000);
      series(4, f.dst.port, f.packets, t, 5000);
      continue;
    }
    const p = ev as PacketEvent, sip = p.src.ip, dport = p.dst.port;
    series(1, dport, p.bytes, t, 5000); // pkt-bytes: every packet
    const tcp = p.tcp;
    if (tcp !== undefined) {
      const fl = tcp.flags, str = fl.str;
      if (fl.syn && !fl.ack) {
        for (let h = 0; h < 7; h++) if (dport === hot[h]) { single(h, sip, t, 600_000); scanner.set(sip, t + 3_600_000); }
        for (let i = 0; i < 4; i++) { const n = portCounts[i]; if (distinctPorts[i](sip).add(dport, t, t - n * 1000, 0) >= n) hits++; }
        const kp = sip + SEP + dport;
        if (samePort[0](kp).add(t, t - 60_000) >= 5) hits++;
        if (samePort[1](kp).add(t, t - 60_000) >= 15) hits++;
        const sl = scanlogd(sip);
        if (t - sl.last > 3000) sl.d = new Distinct();
        sl.last = t;
        sl.d.add(dport, t, -Infinity, 3);
        if (sl.d.sum >= 21) hits++;
        if (dport > 1024 && slowScan(sip).add(dport, t, t - 600_000, 0) >= 30) hits++;
        const kf = sip + SEP + p.dst.ip + SEP + p.src.port;
        pair(0, kf, t, 3000); pair(1, kf, t, 3000); // syn-no-ack, syn-rst
        series(3, p.dst.ip, 1, t, 5000); // syn-rate
      }
      if (fl.syn && fl.ack) {
        answer(0, p.dst.ip + SEP + sip + SEP + dport, t);
        if (!firstSeen[2].has(sip)) { firstSeen[2].add(sip); hits++; }
      }
      if (fl.rst) {
        answer(1, p.dst.ip + SEP + sip + SEP + dport, t);
        if (rstStorm(p.dst.ip).add(t, t - 5000) >= 200) hits++;
      }
      if (str === 'FPU') single(7, sip, t, -1);
      if (fl.byte === 0) single(8, sip, t, -1);
      if (str === 'F') single(9, sip, t, 60_000);
      if (fl.syn && fl.fin) single(10, sip, t, -1);
      if (dport === 22 && (scanner.get(sip) ?? -Infinity) >= t) single(11, sip, t, 60_000);
      if (str === 'S') { if (dport === 22) pair(4, sip, t, 10_000); else if (dport === 25) answer(4, sip, t); }
      if (str === 'S' || str === 'F') for (let g = 0; g < 5; g++) groups[g](sip)[str === 'S' ? 0 : 1].add(t, t - (10 + g) * 1000);
    } else if (p.proto === 'udp') {
      if (p.ip.ttl < 3) single(12, sip, t, 60_000);
      const b = udpBytes(sip);
      while (b.ts.length > 0 && b.ts[0] < t - 10_000) { b.ts.shift(); b.sum -= b.ws.shift()!; }
      b.ts.push(t); b.ws.push(p.bytes); b.sum += p.bytes;
      if (b.sum >= 200_000) hits++;
      if (udpPorts(sip).add(dport, t, t - 30_000, 0) >= 25) hits++;
      pair(2, sip + SEP + p.dst.ip, t, 2000); // udp-unreach
      series(2, sip, 1, t, 10_000); // pkt-count
      for (let g = 0; g < 5; g++) groups[g](sip)[2].add(t, t - (10 + g) * 1000);
    } else if (p.proto === 'icmp') {
      if (icmpFlood(sip).add(t, t - 1000) >= 100) hits++;
      if (p.icmp!.type === 3) answer(2, p.dst.ip + SEP + sip, t);
    }
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall, hits };
}

const yaml = benchRules();
const pool = eventPool(new Rng(SEED));
const loadAtStart = os.loadavg()[0];
runFloor(pool); runEngine(pool, yaml, EVENTS); // warm-up
const floor: number[] = [], engine: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const f = runFloor(pool);
  const e = runEngine(pool, yaml, EVENTS);
  floor.push(EVENTS / f.cpu); engine.push(EVENTS / e.cpu);
  console.log(`run ${r + 1}: floor ${fmt(EVENTS / f.cpu)} ev/CPU s (${f.hits} would-be hits), engine ${fmt(EVENTS / e.cpu)} ev/CPU s (${e.hits} hits)`);
}
const fm = median(floor), em = median(engine);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const section = [
  '<!-- bench:engine-floor -->',
  '## engine-floor — the engine bench\'s workload written by hand, as a ceiling',
  '',
  `Command: \`node --import tsx bench/engine-floor.ts\` (also \`npm run bench -- engine-floor\`). Measured ${new Date().toISOString().slice(0, 10)}.`,
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average (1 min) at start ${loadAtStart.toFixed(1)}.`,
  `Workload: the engine bench's ${EVENTS.toLocaleString('en-US')} events (same pool, filler and event times) and its 50 rules, written by hand as one loop over plain \`Map\`s:`,
  'each rule\'s condition as a field test and its state updated with the least its type needs. It leaves out everything a rule engine must do besides:',
  'bounds and eviction, late events, suppression and re-arming after a hit, hit rendering, actions (but the one context set), the schedule clock, reload, errors.',
  'So it bounds what a rule engine in Node can do here that keeps its per-key state in hash tables keyed by the events\' own values, as any engine of site-written rules must.',
  `Median of ${RUNS} runs after one warm-up, the floor and the engine interleaved in one process, CPU time.`,
  '',
  '| what | events / CPU s | per event |',
  '| --- | ---: | ---: |',
  `| hand-written floor | ${fmt(fm)} | ${(1e9 / fm).toFixed(0)} ns |`,
  `| vigil engine, the 50 rules from YAML | ${fmt(em)} | ${(1e9 / em).toFixed(0)} ns |`,
  `| engine ÷ floor | ${(em / fm).toFixed(2)} | |`,
  '',
  `The engine bench's target, 3 M events/s, is ${(3e6 / fm).toFixed(1)}× what the hand-written floor reaches here.`,
  '<!-- /bench:engine-floor -->',
].join('\n');
if (process.env.BENCH_POOL) { console.log('BENCH_POOL set: bench/RESULTS.md left alone'); process.exit(0); }
writeSection('engine-floor', section);
console.log(section);
