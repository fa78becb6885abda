/**
 * Synthetic traffic with a fixed seed: many concurrent "flows" (generators
 * of frames) interleaved at random, timestamps advancing by exponential
 * gaps. Normal traffic comes from `normalFlow()`; other generators (scanners
 * in synth-scans.ts) add their own flows with `add()` or frames with
 * `emit()`, and the same seed gives the same bytes.
 *
 * Addresses: servers 10.77.0.1–20, clients 10.77.1.0–10.77.20.255 (about
 * 5,000), IPv6 clients fd77::1:0/112 and servers fd77::1–20.
 */
import { Rng } from './rng.ts';
import { PcapWriter } from './pcap-writer.ts';
import { ETHERTYPE, PROTO, ethernet, icmp, ip, tcp, udp } from './packets.ts';

/** A flow yields frames (link layer included) one at a time. */
export type Flow = Iterator<Uint8Array, void>;
export type FrameSink = (tsMs: number, frame: Uint8Array) => void;

export interface SynthOptions {
  seed?: number;
  /** Time of the first frame, ms since the epoch. */
  startMs?: number;
  /** Mean gap between frames, ms. */
  meanGapMs?: number;
  /** How many flows run at once (normal flows are started to keep this many). */
  concurrency?: number;
  /** Share of normal flows that use IPv6. */
  ipv6Share?: number;
  sink: FrameSink;
}

export interface Endpoints { client: string; cport: number; server: string; sport: number }

export class Synth {
  readonly rng: Rng;
  now: number;
  emitted = 0;
  private readonly flows: Flow[] = [];
  private readonly sink: FrameSink;
  private readonly meanGap: number;
  private readonly concurrency: number;
  private readonly v6Share: number;

  constructor(o: SynthOptions) {
    this.rng = new Rng(o.seed ?? 1);
    this.now = o.startMs ?? Date.UTC(2026, 0, 15, 12, 0, 0);
    this.meanGap = o.meanGapMs ?? 0.05;
    this.concurrency = o.concurrency ?? 200;
    this.v6Share = o.ipv6Share ?? 0.08;
    this.sink = o.sink;
  }

  /** Writes one frame now (or at `tsMs`, which must not go backwards). */
  emit(frame: Uint8Array, tsMs = this.now): void {
    if (tsMs > this.now) this.now = tsMs;
    this.sink(this.now, frame);
    this.emitted++;
  }

  add(flow: Flow): void { this.flows.push(flow); }

  get active(): number { return this.flows.length; }

  /** Emits the next frame of a random active flow; false when none is active. */
  step(): boolean {
    while (this.flows.length) {
      const i = this.rng.int(this.flows.length);
      const r = this.flows[i].next();
      if (r.done) {
        this.flows[i] = this.flows[this.flows.length - 1];
        this.flows.pop();
        continue;
      }
      this.now += this.rng.exp(this.meanGap);
      this.emit(r.value);
      return true;
    }
    return false;
  }

  /** Emits until `total` frames have been written, topping up with normal flows. */
  run(total: number): void {
    while (this.emitted < total) {
      while (this.flows.length < this.concurrency) this.add(this.normalFlow());
      this.step();
    }
  }

  /** A random client-side flow of ordinary traffic. */
  normalFlow(): Flow {
    const r = this.rng;
    const v6 = r.chance(this.v6Share);
    const client = v6 ? `fd77::1:${r.int(4096).toString(16)}` : `10.77.${r.range(1, 20)}.${r.int(256)}`;
    const server = v6 ? `fd77::${r.range(1, 20).toString(16)}` : `10.77.0.${r.range(1, 20)}`;
    const cport = r.range(32768, 60999);
    const x = r.next();
    if (x < 0.68) return this.tcpSession({ client, cport, server, sport: r.pick([443, 443, 443, 80, 22, 25, 993]) });
    if (x < 0.9) return this.dnsExchange({ client, cport, server, sport: 53 });
    if (x < 0.98) return this.ping(client, server, r.range(1, 4));
    return this.arp(client, server);
  }

  /** Handshake, a request, 1–8 response segments with ACKs, then FIN from both sides. */
  *tcpSession(e: Endpoints, o: { requestBytes?: number; responseSegments?: number } = {}): Flow {
    const r = this.rng;
    let cs = r.u32(), ss = r.u32();
    const up = (flags: string, payload = 0) => {
      const f = frame(ip(e.client, e.server, PROTO.TCP, tcp({ sport: e.cport, dport: e.sport, flags, seq: cs, ack: flags.includes('A') ? ss : 0, payload })));
      cs = (cs + payload + (flags.includes('S') || flags.includes('F') ? 1 : 0)) >>> 0;
      return f;
    };
    const down = (flags: string, payload = 0) => {
      const f = frame(ip(e.server, e.client, PROTO.TCP, tcp({ sport: e.sport, dport: e.cport, flags, seq: ss, ack: cs, payload })));
      ss = (ss + payload + (flags.includes('S') || flags.includes('F') ? 1 : 0)) >>> 0;
      return f;
    };
    yield up('S');
    yield down('SA');
    yield up('A');
    yield up('PA', o.requestBytes ?? r.range(40, 600));
    yield down('A');
    const segs = o.responseSegments ?? r.range(1, 8);
    for (let i = 0; i < segs; i++) {
      yield down(i === segs - 1 ? 'PA' : 'A', r.range(200, 1448));
      if (i % 2 === 1 || i === segs - 1) yield up('A');
    }
    yield up('FA');
    yield down('FA');
    yield up('A');
  }

  /** A DNS-like query and its answer. */
  *dnsExchange(e: Endpoints): Flow {
    const r = this.rng;
    yield frame(ip(e.client, e.server, PROTO.UDP, udp({ sport: e.cport, dport: e.sport, payload: r.range(28, 60) })));
    yield frame(ip(e.server, e.client, PROTO.UDP, udp({ sport: e.sport, dport: e.cport, payload: r.range(44, 300) })));
  }

  /** Echo requests and replies (ICMP or ICMPv6 by address). */
  *ping(client: string, server: string, count: number): Flow {
    const v6 = client.includes(':');
    const id = this.rng.int(65536);
    for (let s = 1; s <= count; s++) {
      const rest = (id << 16) | s;
      yield frame(ip(client, server, v6 ? PROTO.ICMP6 : PROTO.ICMP, icmp({ type: v6 ? 128 : 8, rest, payload: 56 }), { df: true }));
      yield frame(ip(server, client, v6 ? PROTO.ICMP6 : PROTO.ICMP, icmp({ type: v6 ? 129 : 0, rest, payload: 56 })));
    }
  }

  /** An ARP request/reply pair: not IP, so a decoder skips it. */
  *arp(_client: string, _server: string): Flow {
    yield ethernet(new Uint8Array(28), { type: ETHERTYPE.ARP, dst: 'ff:ff:ff:ff:ff:ff' });
    yield ethernet(new Uint8Array(28), { type: ETHERTYPE.ARP });
  }
}

/** Wraps an IP packet in Ethernet (the default link type of synthetic captures). */
export function frame(ipPacket: Uint8Array): Uint8Array {
  return ethernet(ipPacket);
}

/** Writes `packets` frames of mixed normal traffic to a pcap at `path`. */
export function writeMixedPcap(path: string, packets: number, opts: Omit<SynthOptions, 'sink'> = {}): { packets: number; firstMs: number; lastMs: number } {
  const w = new PcapWriter(path, { linktype: 1 });
  let first = -1;
  const s = new Synth({ ...opts, sink: (ts, f) => { if (first < 0) first = ts; w.write(ts, f); } });
  try {
    s.run(packets);
  } finally {
    w.close();
  }
  return { packets: s.emitted, firstMs: first, lastMs: s.now };
}
