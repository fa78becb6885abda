/**
 * Scanner traffic for synthetic captures, as flows for bench/lib/synth.ts:
 * every nmap scan type the portscan pack names, with the victim's replies
 * (RST-ACK from closed ports, SYN-ACK from open ones, ICMP port-unreachable
 * for UDP), a one-port hammer, hot-port touches, spoofed one-off probes and
 * slow scans spread over minutes. Same seed, same bytes.
 *
 * Scanner addresses: 10.77.200.0–10.77.239.255 and fd77::c:0/112, outside
 * the normal clients of synth.ts, so a bench can tell who should be accused.
 */
import { PROTO, icmpError, ip, tcp, udp } from './packets.ts';
import { frame, type Flow, type Synth } from './synth.ts';
import { Rng } from './rng.ts';

export type ScanKind = 'syn' | 'connect' | 'fin' | 'xmas' | 'null' | 'udp' | 'hammer' | 'hot';

/** The portscan tags a scan of each kind must earn. */
export const EXPECTED_TAGS: Readonly<Record<ScanKind, readonly string[]>> = {
  syn: ['MULTI_PORT', 'HALF_CONNECT'],
  connect: ['MULTI_PORT', 'FULL_CONNECT'],
  fin: ['FIN'],
  xmas: ['XMAS'],
  null: ['NULL'],
  udp: ['UDP_SCAN'],
  hammer: ['ONE_PORT_MANY'],
  hot: ['HOT_PORT'],
};

export interface ScanTarget {
  readonly victim: string;
  /** Ports that answer (TCP handshake or UDP service). */
  readonly openTcp: readonly number[];
  readonly openUdp: readonly number[];
}

const STEALTH_FLAGS = { fin: 'F', xmas: 'FPU', null: 0 } as const;

/** The n-th scanner address (IPv6 for every tenth). */
export function scannerAddress(n: number): string {
  if (n % 10 === 9) return `fd77::c:${(n & 0xffff).toString(16)}`;
  return `10.77.${200 + ((n >> 8) % 40)}.${n & 255}`;
}

/** `count` distinct privileged-first ports in a seeded order (like nmap's top ports, then the rest). */
export function scanPorts(rng: Rng, count: number): number[] {
  const ports = Array.from({ length: 1023 }, (_, i) => i + 1);
  for (let i = ports.length - 1; i > 0; i--) { const j = rng.int(i + 1); [ports[i], ports[j]] = [ports[j], ports[i]]; }
  return ports.slice(0, count);
}

/** One scan of `kind` from `scanner` over `ports` against the target, with the target's replies. */
export function* scanFlow(rng: Rng, kind: ScanKind, scanner: string, ports: readonly number[], t: ScanTarget, hotPort = 2323): Flow {
  const v = t.victim;
  const fixedSport = rng.range(33000, 60000);
  const seq0 = rng.u32();
  const ttl = rng.range(37, 59);
  const pkt = (src: string, dst: string, body: Uint8Array, proto: number = PROTO.TCP) => frame(ip(src, dst, proto, body, { ttl: src === v ? 64 : ttl }));
  switch (kind) {
    case 'syn':
      for (const port of ports) {
        yield pkt(scanner, v, tcp({ sport: fixedSport, dport: port, flags: 'S', seq: seq0, win: 1024 }));
        if (t.openTcp.includes(port)) {
          const sseq = rng.u32();
          yield pkt(v, scanner, tcp({ sport: port, dport: fixedSport, flags: 'SA', seq: sseq, ack: (seq0 + 1) >>> 0 }));
          yield pkt(scanner, v, tcp({ sport: fixedSport, dport: port, flags: 'R', seq: (seq0 + 1) >>> 0, win: 0 }));
        } else {
          yield pkt(v, scanner, tcp({ sport: port, dport: fixedSport, flags: 'RA', seq: 0, ack: (seq0 + 1) >>> 0, win: 0 }));
        }
      }
      return;
    case 'connect':
      for (const port of ports) {
        const sport = rng.range(32768, 60999);
        const cseq = rng.u32();
        yield pkt(scanner, v, tcp({ sport, dport: port, flags: 'S', seq: cseq }));
        if (t.openTcp.includes(port)) {
          const sseq = rng.u32();
          yield pkt(v, scanner, tcp({ sport: port, dport: sport, flags: 'SA', seq: sseq, ack: (cseq + 1) >>> 0 }));
          yield pkt(scanner, v, tcp({ sport, dport: port, flags: 'A', seq: (cseq + 1) >>> 0, ack: (sseq + 1) >>> 0 }));
          yield pkt(scanner, v, tcp({ sport, dport: port, flags: 'RA', seq: (cseq + 1) >>> 0, ack: (sseq + 1) >>> 0 }));
        } else {
          yield pkt(v, scanner, tcp({ sport: port, dport: sport, flags: 'RA', seq: 0, ack: (cseq + 1) >>> 0, win: 0 }));
        }
      }
      return;
    case 'fin': case 'xmas': case 'null':
      for (const port of ports) {
        yield pkt(scanner, v, tcp({ sport: fixedSport, dport: port, flags: STEALTH_FLAGS[kind], seq: seq0, win: 1024 }));
        if (!t.openTcp.includes(port)) yield pkt(v, scanner, tcp({ sport: port, dport: fixedSport, flags: 'RA', seq: 0, ack: seq0, win: 0 }));
      }
      return;
    case 'udp':
      for (const port of ports) {
        const probe = ip(scanner, v, PROTO.UDP, udp({ sport: fixedSport, dport: port }), { ttl });
        yield frame(probe);
        if (!t.openUdp.includes(port)) {
          const six = v.includes(':');
          yield frame(ip(v, scanner, six ? PROTO.ICMP6 : PROTO.ICMP, icmpError(six ? 1 : 3, six ? 4 : 3, probe, six ? 48 : 28)));
        }
      }
      return;
    case 'hammer': {
      const port = ports[0];
      for (let i = 0; i < 50; i++) {
        const sport = (fixedSport + i) & 0xffff;
        yield pkt(scanner, v, tcp({ sport, dport: port, flags: 'S', seq: (seq0 + i) >>> 0, win: 512 }));
        yield pkt(v, scanner, tcp({ sport: port, dport: sport, flags: 'RA', seq: 0, ack: (seq0 + i + 1) >>> 0, win: 0 }));
      }
      return;
    }
    case 'hot':
      yield pkt(scanner, v, tcp({ sport: fixedSport, dport: hotPort, flags: 'S', seq: seq0, win: 512 }));
      yield pkt(v, scanner, tcp({ sport: hotPort, dport: fixedSport, flags: 'RA', seq: 0, ack: (seq0 + 1) >>> 0, win: 0 }));
      return;
  }
}

/** A single SYN from a random (spoofed) address to a random closed port, and the RST-ACK it earns. */
export function* spoofedProbe(rng: Rng, victim: string): Flow {
  const src = `${rng.range(1, 223)}.${rng.int(256)}.${rng.int(256)}.${rng.range(1, 254)}`;
  const sport = rng.range(1024, 65535);
  const port = rng.range(1, 1023);
  const seq = rng.u32();
  yield frame(ip(src, victim, PROTO.TCP, tcp({ sport, dport: port, flags: 'S', seq, win: 1024 })));
  yield frame(ip(victim, src, PROTO.TCP, tcp({ sport: port, dport: sport, flags: 'RA', seq: 0, ack: (seq + 1) >>> 0, win: 0 })));
}

/** The kinds in a fixed rotation, so any number of scanners covers every kind. */
export const SCAN_KINDS: readonly ScanKind[] = ['syn', 'connect', 'fin', 'xmas', 'null', 'udp', 'hammer', 'hot'];

export interface PlannedScanner { readonly address: string; readonly kind: ScanKind; readonly ports: readonly number[] }

/**
 * `count` scanners, kinds in rotation, each with its own ports (30–200
 * privileged ports, or one port for a hammer) drawn from its own seeded Rng,
 * so the plan is known without generating the capture.
 */
export function planScanners(count: number, seed = 1): PlannedScanner[] {
  return Array.from({ length: count }, (_, n) => {
    const kind = SCAN_KINDS[n % SCAN_KINDS.length];
    const rng = new Rng(seed * 100_003 + n);
    const ports = kind === 'hammer' ? [8000 + (n % 50)] : scanPorts(rng, rng.range(30, 200));
    return { address: scannerAddress(n), kind, ports };
  });
}

/** The tags a planned scan must earn: the handshake tags only when it touched an open port. */
export function expectedTags(p: PlannedScanner, t: ScanTarget): string[] {
  const touchesOpen = p.ports.some((port) => t.openTcp.includes(port));
  return EXPECTED_TAGS[p.kind].filter((tag) => touchesOpen || (tag !== 'HALF_CONNECT' && tag !== 'FULL_CONNECT'));
}

export interface MixedCaptureOptions {
  readonly total: number;
  readonly scanners: readonly PlannedScanner[];
  /** Spoofed one-off probes mixed in. */
  readonly spoofed: number;
  /** Victims by family (the synth's servers). */
  readonly target4: ScanTarget;
  readonly target6: ScanTarget;
}

/**
 * Runs the synth to `total` frames, adding scanners and spoofed probes at
 * evenly spaced points. Normal flows keep the synth at its concurrency.
 */
export function runMixed(s: Synth, o: MixedCaptureOptions): void {
  const events: Array<{ at: number; add: () => void }> = [];
  // Scans start in the first half, so that even a 200-port scan (about 600 frames spread among
  // ~200 concurrent flows) ends before the capture does.
  const span = o.total * 0.5;
  o.scanners.forEach((sc, i) => {
    const target = sc.address.includes(':') ? o.target6 : o.target4;
    events.push({ at: Math.floor((i + 0.5) * span / o.scanners.length), add: () => s.add(scanFlow(s.rng, sc.kind, sc.address, sc.ports, target)) });
  });
  for (let i = 0; i < o.spoofed; i++) {
    events.push({ at: Math.floor((i + 0.5) * span / o.spoofed), add: () => s.add(spoofedProbe(s.rng, o.target4.victim)) });
  }
  events.sort((a, b) => a.at - b.at);
  let next = 0;
  const concurrency = 200;
  while (s.emitted < o.total) {
    while (next < events.length && events[next].at <= s.emitted) events[next++].add();
    while (s.active < concurrency) s.add(s.normalFlow());
    s.step();
  }
}

/**
 * A slow scan: one SYN to a new closed port every `everyMs` (default 90 s,
 * longer than one pass) from `scanner`, `ports` probes in all, with a light
 * stream of normal flows in between. Emits through the synth's sink.
 */
export function runSlowScan(s: Synth, scanner: string, t: ScanTarget, ports: readonly number[], everyMs = 90_000, normalPerGap = 40): void {
  const start = s.now;
  ports.forEach((port, i) => {
    const at = start + i * everyMs;
    for (let k = 0; k < normalPerGap && s.now < at; k++) {
      const f = s.normalFlow();
      for (let r = f.next(); !r.done; r = f.next()) s.emit(r.value, Math.min(at, s.now + s.rng.exp(200)));
    }
    const seq = s.rng.u32();
    const sport = s.rng.range(33000, 60000);
    s.emit(frame(ip(scanner, t.victim, PROTO.TCP, tcp({ sport, dport: port, flags: 'S', seq, win: 1024 }))), at);
    s.emit(frame(ip(t.victim, scanner, PROTO.TCP, tcp({ sport: port, dport: sport, flags: 'RA', seq: 0, ack: (seq + 1) >>> 0, win: 0 }))), at + 0.05);
  });
}
