/**
 * Packet builders for tests, benches and fixtures: each returns the bytes of
 * one layer with the given payload inside, so layers compose:
 *
 *   ethernet(ipv4({ src, dst, proto: 6 }, tcp({ sport, dport, flags: 'S' })))
 *
 * Lengths, offsets and flags are right; checksums are left 0 (the decoder
 * does not verify them, and neither do the capture readers).
 */
export const PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMP6: 58, SCTP: 132 } as const;
export const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8 } as const;

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function put16(b: Uint8Array, o: number, v: number): void { b[o] = (v >>> 8) & 0xff; b[o + 1] = v & 0xff; }
function put32(b: Uint8Array, o: number, v: number): void { put16(b, o, (v >>> 16) & 0xffff); put16(b, o + 2, v & 0xffff); }

const v4Cache = new Map<string, Uint8Array>();
/** IPv4 text to 4 bytes. */
export function ipv4Bytes(text: string): Uint8Array {
  let b = v4Cache.get(text);
  if (b) return b;
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) throw new Error(`not an IPv4 address: ${text}`);
  b = Uint8Array.from(parts);
  if (v4Cache.size < 100000) v4Cache.set(text, b);
  return b;
}

const v6Cache = new Map<string, Uint8Array>();
/** IPv6 text (with `::`, optionally a dotted tail) to 16 bytes. */
export function ipv6Bytes(text: string): Uint8Array {
  const hit = v6Cache.get(text);
  if (hit) return hit;
  const out = parseIpv6Bytes(text);
  if (v6Cache.size < 100000) v6Cache.set(text, out);
  return out;
}

function parseIpv6Bytes(text: string): Uint8Array {
  let t = text;
  const out = new Uint8Array(16);
  const dot = t.lastIndexOf('.');
  let tail: Uint8Array | null = null;
  if (dot > 0) {
    const c = t.lastIndexOf(':');
    tail = ipv4Bytes(t.slice(c + 1));
    t = t.slice(0, c + 1) + '0:0';
  }
  const [h, r] = t.split('::');
  const head = h ? h.split(':') : [];
  const rest = r === undefined ? [] : r ? r.split(':') : [];
  const groups = [...head, ...new Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  if (groups.length !== 8) throw new Error(`not an IPv6 address: ${text}`);
  groups.forEach((g, i) => put16(out, 2 * i, parseInt(g, 16)));
  if (tail) out.set(tail, 12);
  return out;
}

/** TCP flags as a byte from letters FSRPAUEC (e.g. "SA") or a number. */
export function tcpFlags(f: string | number): number {
  if (typeof f === 'number') return f;
  let b = 0;
  for (const ch of f) {
    const i = 'FSRPAUEC'.indexOf(ch);
    if (i < 0) throw new Error(`unknown TCP flag letter ${ch} (use FSRPAUEC)`);
    b |= 1 << i;
  }
  return b;
}

const ZEROS = new Uint8Array(65536);

/** A payload given as bytes, or as a length of zeros (a view of one shared zero buffer: builders only copy from it). */
function payloadBytes(p: number | Uint8Array | undefined): Uint8Array {
  if (p === undefined) return ZEROS.subarray(0, 0);
  if (typeof p !== 'number') return p;
  return p <= ZEROS.length ? ZEROS.subarray(0, p) : new Uint8Array(p);
}

export interface TcpOptions {
  sport: number;
  dport: number;
  flags?: string | number;
  seq?: number;
  ack?: number;
  win?: number;
  /** TCP options bytes (padded to 4 by the builder). */
  options?: Uint8Array;
  /** Override the data offset field (in 32-bit words), e.g. to build a broken header. */
  dataOffsetWords?: number;
  /** Payload bytes, or a length of zeros. */
  payload?: number | Uint8Array;
}

export function tcp(o: TcpOptions): Uint8Array {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const h = new Uint8Array(20 + optLen);
  put16(h, 0, o.sport); put16(h, 2, o.dport);
  put32(h, 4, o.seq ?? 0); put32(h, 8, o.ack ?? 0);
  h[12] = (o.dataOffsetWords ?? (20 + optLen) / 4) << 4;
  h[13] = tcpFlags(o.flags ?? 0);
  put16(h, 14, o.win ?? 64240);
  if (o.options) h.set(o.options, 20);
  return concat(h, payloadBytes(o.payload));
}

export interface UdpOptions { sport: number; dport: number; payload?: number | Uint8Array; /** Override the length field. */ length?: number }

export function udp(o: UdpOptions): Uint8Array {
  const p = payloadBytes(o.payload);
  const h = new Uint8Array(8);
  put16(h, 0, o.sport); put16(h, 2, o.dport); put16(h, 4, o.length ?? 8 + p.length);
  return concat(h, p);
}

export interface IcmpOptions { type: number; code?: number; /** The 4 bytes after the checksum (id/sequence for echo). */ rest?: number; payload?: number | Uint8Array }

/** ICMP or ICMPv6 message (same layout for the first 8 bytes). */
export function icmp(o: IcmpOptions): Uint8Array {
  const h = new Uint8Array(8);
  h[0] = o.type; h[1] = o.code ?? 0; put32(h, 4, o.rest ?? 0);
  return concat(h, payloadBytes(o.payload));
}
export const icmp6 = icmp;

/** An ICMP error (e.g. type 3 code 3, port unreachable) quoting the first bytes of `original` (an IP packet). */
export function icmpError(type: number, code: number, original: Uint8Array, quote = 28): Uint8Array {
  return icmp({ type, code, payload: original.subarray(0, Math.min(quote, original.length)) });
}

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  /** Header options (padded to 4 by the builder). */
  options?: Uint8Array;
  /** Override the total-length field. */
  totalLength?: number;
  /** Override the IHL field (in 32-bit words). */
  ihlWords?: number;
}

export function ipv4(o: Ipv4Options, payload: Uint8Array): Uint8Array {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const h = new Uint8Array(20 + optLen);
  h[0] = 0x40 | (o.ihlWords ?? (20 + optLen) / 4);
  h[1] = o.tos ?? 0;
  put16(h, 2, o.totalLength ?? h.length + payload.length);
  put16(h, 4, o.id ?? 0);
  put16(h, 6, (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) >>> 3));
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(ipv4Bytes(o.src), 12);
  h.set(ipv4Bytes(o.dst), 16);
  if (o.options) h.set(o.options, 20);
  return concat(h, payload);
}

/** An IPv6 extension header. `data` fills the header after its first two bytes (padded to 8). */
export type Ipv6Ext =
  | { type: 'hop' | 'routing' | 'dest'; data?: Uint8Array }
  | { type: 'frag'; offset: number; more?: boolean; id: number }
  | { type: 'ah'; data?: Uint8Array };

const EXT_NUMBER = { hop: 0, routing: 43, frag: 44, dest: 60, ah: 51 } as const;

export interface Ipv6Options {
  src: string;
  dst: string;
  /** Transport protocol after the extension headers. */
  proto: number;
  hopLimit?: number;
  trafficClass?: number;
  ext?: Ipv6Ext[];
  /** Override the payload-length field. */
  payloadLength?: number;
}

export function ipv6(o: Ipv6Options, payload: Uint8Array): Uint8Array {
  const exts = o.ext ?? [];
  const extBytes: Uint8Array[] = exts.map((e, i) => {
    const next = i + 1 < exts.length ? EXT_NUMBER[exts[i + 1].type] : o.proto;
    if (e.type === 'frag') {
      const b = new Uint8Array(8);
      b[0] = next; put16(b, 2, (e.offset & 0xfff8) | (e.more ? 1 : 0)); put32(b, 4, e.id);
      return b;
    }
    const d = e.data ?? new Uint8Array(e.type === 'ah' ? 10 : 6);
    if (e.type === 'ah') {
      const len = (2 + d.length + 3) & ~3;
      const b = new Uint8Array(len);
      b[0] = next; b[1] = len / 4 - 2; b.set(d, 2);
      return b;
    }
    const len = (2 + d.length + 7) & ~7;
    const b = new Uint8Array(len);
    b[0] = next; b[1] = len / 8 - 1; b.set(d, 2);
    return b;
  });
  const body = concat(...extBytes, payload);
  const h = new Uint8Array(40);
  const tc = o.trafficClass ?? 0;
  h[0] = 0x60 | (tc >> 4); h[1] = (tc & 15) << 4;
  put16(h, 4, o.payloadLength ?? body.length);
  h[6] = exts.length ? EXT_NUMBER[exts[0].type] : o.proto;
  h[7] = o.hopLimit ?? 64;
  h.set(ipv6Bytes(o.src), 8);
  h.set(ipv6Bytes(o.dst), 24);
  return concat(h, body);
}

/** IPv4 or IPv6 by the address text; extra options go to the matching builder. */
export function ip(src: string, dst: string, proto: number, payload: Uint8Array, extra?: Partial<Ipv4Options & Ipv6Options>): Uint8Array {
  const v6 = src.includes(':');
  if (extra === undefined) return v6 ? ipv6({ src, dst, proto }, payload) : ipv4({ src, dst, proto }, payload);
  return v6 ? ipv6({ ...extra, src, dst, proto }, payload) : ipv4({ ...extra, src, dst, proto }, payload);
}

export interface EthernetOptions {
  src?: string;
  dst?: string;
  /** Ethertype; guessed from the IP version nibble when omitted. */
  type?: number;
  /** VLAN ids, outermost first: one for 802.1Q, two for QinQ (outer tag 0x88a8). */
  vlans?: number[];
}

const MAC_DST = Uint8Array.of(2, 0, 0, 0, 0, 2);
const MAC_SRC = Uint8Array.of(2, 0, 0, 0, 0, 1);

function mac(text: string | undefined, dflt: Uint8Array): Uint8Array {
  if (!text) return dflt;
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

function guessEthertype(payload: Uint8Array): number {
  return payload.length > 0 && payload[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
}

export function ethernet(payload: Uint8Array, o: EthernetOptions = {}): Uint8Array {
  const vlans = o.vlans ?? [];
  const h = new Uint8Array(14 + 4 * vlans.length);
  h.set(mac(o.dst, MAC_DST), 0);
  h.set(mac(o.src, MAC_SRC), 6);
  let p = 12;
  vlans.forEach((id, i) => {
    put16(h, p, i === 0 && vlans.length > 1 ? ETHERTYPE.QINQ : ETHERTYPE.VLAN);
    put16(h, p + 2, id & 0xfff);
    p += 4;
  });
  put16(h, p, o.type ?? guessEthertype(payload));
  return concat(h, payload);
}

/** Linux cooked v1 (linktype 113) header around a payload. */
export function sll(payload: Uint8Array, protocol = guessEthertype(payload), packetType = 0): Uint8Array {
  const h = new Uint8Array(16);
  put16(h, 0, packetType); put16(h, 2, 1 /* ARPHRD_ETHER */); put16(h, 4, 6);
  h.set([2, 0, 0, 0, 0, 1], 6);
  put16(h, 14, protocol);
  return concat(h, payload);
}

/** Linux cooked v2 (linktype 276) header around a payload. */
export function sll2(payload: Uint8Array, protocol = guessEthertype(payload), ifindex = 2, packetType = 0): Uint8Array {
  const h = new Uint8Array(20);
  put16(h, 0, protocol); put32(h, 4, ifindex); put16(h, 8, 1); h[10] = packetType; h[11] = 6;
  h.set([2, 0, 0, 0, 0, 1], 12);
  return concat(h, payload);
}

/** BSD loopback (linktype 0) header: the address family in the writer's byte order. */
export function nullLoopback(payload: Uint8Array, family = payload[0] >> 4 === 6 ? 30 : 2, littleEndian = true): Uint8Array {
  const h = new Uint8Array(4);
  if (littleEndian) h[0] = family; else h[3] = family;
  return concat(h, payload);
}

export interface NflogOptions {
  group?: number;
  prefix?: string;
  indev?: number;
  /** Kernel timestamp TLV, ms since epoch (whole microseconds). */
  tsMs?: number;
  /** Address family in the header; from the IP version when omitted. */
  family?: number;
}

function tlv(type: number, value: Uint8Array): Uint8Array {
  const len = 4 + value.length;
  const b = new Uint8Array((len + 3) & ~3);
  // TLV length and type are host order (little-endian); values are network order.
  b[0] = len & 0xff; b[1] = len >> 8; b[2] = type & 0xff; b[3] = type >> 8;
  b.set(value, 4);
  return b;
}

/** A DLT_NFLOG (linktype 239) record carrying `payload` (an IP packet). */
export function nflog(payload: Uint8Array, o: NflogOptions = {}): Uint8Array {
  const h = new Uint8Array(4);
  h[0] = o.family ?? (payload[0] >> 4 === 6 ? 10 : 2);
  put16(h, 2, o.group ?? 0);
  const parts: Uint8Array[] = [h];
  // NFULA_PACKET_HDR: hw_protocol, hook, pad.
  const ph = new Uint8Array(4); put16(ph, 0, payload[0] >> 4 === 6 ? 0x86dd : 0x0800); ph[2] = 1;
  parts.push(tlv(1, ph));
  if (o.prefix !== undefined) parts.push(tlv(10, new TextEncoder().encode(o.prefix + '\0')));
  if (o.indev !== undefined) { const v = new Uint8Array(4); put32(v, 0, o.indev); parts.push(tlv(4, v)); }
  if (o.tsMs !== undefined) {
    const v = new Uint8Array(16);
    const sec = Math.floor(o.tsMs / 1000), usec = Math.round((o.tsMs - sec * 1000) * 1000);
    put32(v, 0, Math.floor(sec / 4294967296)); put32(v, 4, sec >>> 0);
    put32(v, 8, 0); put32(v, 12, usec);
    parts.push(tlv(3, v));
  }
  parts.push(tlv(9, payload));
  return concat(...parts);
}
