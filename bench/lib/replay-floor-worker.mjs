// The replay bench's workload written by hand: the same capture read and
// decoded by the same compiled code as bench/lib/replay-worker.mjs, then
// the portscan and scanlogd packs' rules (with bench/sec/site's hot port)
// as plain code over `Map`s, each rule keeping its own state keyed as the
// rule keys it, with the least work its type needs. Left out, as in
// bench/engine-floor.ts: bounds and eviction, late events, suppression
// windows and re-arming after a hit (a would-be hit is counted and the
// state goes on), collected values but the port lists, hit rendering,
// actions, contexts (read as never set), the rule loader. So it is a
// ceiling for an engine of site-written rules on this machine, not a rival.
//
//   node bench/lib/replay-floor-worker.mjs [--passes N] FILE HOSTS_JSON
//
// Prints one JSON line as replay-worker does: packets, ms, cpuMs of the
// last pass, would-be hits, and every pass's times.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
const DIST = join(import.meta.dirname, '..', '..', 'dist');
/** @param {string} rel */
const load = (rel) => import(pathToFileURL(join(DIST, rel)).href);
const { readCaptureFile } = await load('core/decode/capture-file.js');
const { PacketDecoder } = await load('core/decode/decoder.js');

const argv = process.argv.slice(2);
const passesAt = argv.indexOf('--passes');
const PASSES = passesAt >= 0 ? Number(argv.splice(passesAt, 2)[1]) : 1;
const [file, hostsJson] = argv;
/** @type {{ addresses: string[], tcp: number[], udp: number[] }} */
const hosts = JSON.parse(hostsJson);
const LOCAL = new Set(hosts.addresses), TCP = new Set(hosts.tcp), UDP = new Set(hosts.udp);
const HOT = new Set([2323]);
const EPH0 = 32768, EPH1 = 60999, SEP = '\u001f';
const PASS_WINDOW = 60_000, LOCKOUT = 9 * 3_600_000, SLOW_WINDOW = 8 * 3_600_000, PAIR_WINDOW = 10_000;

/** Distinct values with their last sighting, in sighting order, and the first 20 values (a rule's `collect: ports`). */
class Distinct {
  constructor() { /** @type {Map<unknown, number>} */ this.seen = new Map(); this.oldest = Infinity; this.sum = 0; /** @type {unknown[]} */ this.values = []; }
  /** @param {unknown} v @param {number} t @param {number} cutoff @param {number} w */
  add(v, t, cutoff, w) {
    const m = this.seen;
    if (this.oldest < cutoff) {
      this.oldest = Infinity;
      for (const [k, last] of m) { if (last >= cutoff) { this.oldest = last; break; } m.delete(k); this.sum -= w === 0 ? 1 : (/** @type {number} */ (k) < 1024 ? w : 1); }
    }
    if (m.size === 0) this.oldest = t;
    if (m.has(v)) m.delete(v);
    else { this.sum += w === 0 ? 1 : (/** @type {number} */ (v) < 1024 ? w : 1); if (this.values.length < 20) this.values.push(v); }
    m.set(v, t);
    return m.size;
  }
}

function pass() {
  let hits = 0;
  const trusted = (/** @type {string} */ ip) => LOCAL.has(ip) || ip.startsWith('127.') || ip === '::1' || ip === '0.0.0.0' || ip === '::';
  /** @param {Map<string, number>} m @param {string} k @param {number} t */
  const single = (m, k, t) => { const last = m.get(k); if (last === undefined || t - last > LOCKOUT) { m.set(k, t); hits++; } };
  /** @template S @param {Map<string, S>} m @param {string} k @param {() => S} make @returns {S} */
  const get = (m, k, make) => { let s = m.get(k); if (s === undefined) { s = make(); m.set(k, s); } return s; };
  const nul = new Map(), fin = new Map(), xmas = new Map(), hot = new Map();
  /** @type {Map<string, Distinct>} */ const multi = new Map(), slowPorts = new Map(), slowHits = new Map(), udp = new Map();
  /** @type {Map<string, number[]>} */ const onePort = new Map();
  /** @type {Map<string, { last: number, d: Distinct, or: number, and: number }>} */ const scanlogd = new Map();
  /** @type {Map<string, number>} */ const halfOpen = new Map(), fullConnect = new Map();
  const newDistinct = () => new Distinct();

  const d = new PacketDecoder({ input: 'pcapfile' });
  /** @param {any} ev */
  const onEvent = (ev) => {
    const t = ev.ts, sip = ev.src.ip, dport = ev.dst.port, proto = ev.proto;
    if (proto === 'tcp') {
      const f = ev.tcp.flags, b6 = f.byte % 64;
      const syn = f.syn && !f.ack && !f.rst;
      if (syn || b6 === 0 || b6 === 1 || b6 === 41) {
        if (!trusted(sip)) {
          const closed = !(dport < 1 || TCP.has(dport) || (dport >= EPH0 && dport <= EPH1));
          if (closed) {
            if (b6 === 0) single(nul, sip, t);
            else if (b6 === 1) single(fin, sip, t);
            else if (b6 === 41) single(xmas, sip, t);
            if (syn) {
              if (get(multi, sip, newDistinct).add(dport, t, t - PASS_WINDOW, 0) >= 6) hits++;
              const ts = get(onePort, sip + SEP + dport, () => []);
              while (ts.length > 0 && ts[0] < t - PASS_WINDOW) ts.shift();
              ts.push(t); if (ts.length > 15) ts.shift();
              if (ts.length >= 15) hits++;
              if (get(slowPorts, sip, newDistinct).add(dport, t, t - SLOW_WINDOW, 0) >= 7) hits++;
              if (get(slowHits, sip, newDistinct).add(dport + '@' + Math.floor(t / 60_000), t, t - SLOW_WINDOW, 0) >= 8) hits++;
            }
          }
          if (HOT.has(dport)) single(hot, sip, t);
          if (syn && TCP.has(dport)) {
            const k = sip + ' ' + ev.src.port + ' ' + ev.dst.ip + ' ' + dport + ' ' + ((ev.tcp.seq + 1) % 4294967296);
            if (!halfOpen.has(k)) halfOpen.set(k, t);
            if (!fullConnect.has(k)) fullConnect.set(k, t);
          }
        }
      } else if (f.rst && !f.syn && !trusted(sip)) {
        const k = sip + ' ' + ev.src.port + ' ' + ev.dst.ip + ' ' + dport + ' ' + ev.tcp.seq;
        const pairs = f.ack ? (ev.payload_len === 0 ? fullConnect : null) : halfOpen;
        const first = pairs?.get(k);
        if (first !== undefined) { pairs.delete(k); if (t - first <= PAIR_WINDOW) hits++; }
      }
      // scanlogd: every packet without ACK or RST from a source not the host's, fragments left out.
      if (!f.ack && !f.rst && ev.ip.frag === 0 && sip !== '0.0.0.0' && sip !== '::' && !LOCAL.has(sip) && !sip.startsWith('127.')) {
        let s = scanlogd.get(sip);
        if (s === undefined || t - s.last > 3000) { s = { last: t, d: new Distinct(), or: 0, and: 255 }; scanlogd.set(sip, s); }
        s.last = t; s.or |= f.byte; s.and &= f.byte;
        s.d.add(dport, t, -Infinity, 3);
        if (s.d.sum >= 21) hits++;
      }
    } else if (proto === 'udp') {
      if (!trusted(sip) && !(dport < 1 || UDP.has(dport) || (dport >= EPH0 && dport <= EPH1))) {
        if (get(udp, sip, newDistinct).add(dport, t, t - PASS_WINDOW, 0) >= 6) hits++;
      }
    } else if (proto === 'icmp' || proto === 'icmp6') {
      const i = ev.icmp;
      const unreach = proto === 'icmp' ? i.type === 3 && i.code === 3 : i.type === 1 && i.code === 4;
      const o = unreach ? i.orig : undefined;
      if (o !== undefined && o.proto === 'udp' && o.dst.port > 0 && !(o.dst.port >= EPH0 && o.dst.port <= EPH1) && !trusted(o.src.ip)) {
        if (get(udp, o.src.ip, newDistinct).add(o.dst.port, t, t - PASS_WINDOW, 0) >= 6) hits++;
      }
    }
  };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  return readCaptureFile(file, (/** @type {any} */ p) => {
    const ev = d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
    if (ev !== null) onEvent(ev);
  }).then((/** @type {{ packets: number }} */ s) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    return { packets: s.packets, ms, cpuMs: (c.user + c.system) / 1000, hits };
  });
}

const passes = [];
for (let i = 0; i < PASSES; i++) passes.push(await pass());
const last = passes[passes.length - 1];
process.stdout.write(JSON.stringify({ ...last, passes: passes.map((x) => ({ ms: x.ms, cpuMs: x.cpuMs })) }) + '\n');
