/**
 * Writers for capture files: classic pcap (either byte order, µs or ns) to a
 * file or to memory, and pcapng built block by block (sections, interfaces,
 * enhanced/simple/obsolete packet blocks, arbitrary other blocks) so tests
 * can produce exactly the layouts a reader must cope with.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface PcapOptions {
  linktype?: number;
  snaplen?: number;
  /** Nanosecond timestamps (magic a1b23c4d). */
  nanos?: boolean;
  /** Write big-endian headers. */
  bigEndian?: boolean;
}

export interface PacketRecord {
  tsMs: number;
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  origLen?: number;
}

/** A file written through a 1 MiB buffer: callers reserve room, fill `buf` from `n`, then advance `n`. */
class FileSink {
  buf = Buffer.alloc(1 << 20);
  n = 0;
  private readonly fd: number;
  constructor(path: string, head: Uint8Array) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, head);
  }
  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    this.flush();
    if (k > this.buf.length) this.buf = Buffer.alloc(k * 2);
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
  private flush(): void {
    if (this.n > 0) writeSync(this.fd, this.buf, 0, this.n);
    this.n = 0;
  }
}

function pcapHeader(o: PcapOptions): Buffer {
  const h = Buffer.alloc(24);
  const le = !o.bigEndian;
  const w32 = (v: number, p: number) => (le ? h.writeUInt32LE(v >>> 0, p) : h.writeUInt32BE(v >>> 0, p));
  const w16 = (v: number, p: number) => (le ? h.writeUInt16LE(v, p) : h.writeUInt16BE(v, p));
  w32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(2, 4); w16(4, 6);
  w32(0, 8); w32(0, 12);
  w32(o.snaplen ?? 262144, 16);
  w32(o.linktype ?? 1, 20);
  return h;
}

function splitTs(tsMs: number, nanos: boolean): [number, number] {
  const sec = Math.floor(tsMs / 1000);
  const sub = Math.round((tsMs - sec * 1000) * (nanos ? 1e6 : 1e3));
  const max = nanos ? 1e9 : 1e6;
  return sub >= max ? [sec + 1, sub - max] : [sec, sub];
}

/** Streams a pcap file to disk through a 1 MiB buffer. */
export class PcapWriter {
  private readonly sink: FileSink;
  private readonly le: boolean;
  private readonly nanos: boolean;
  private readonly snaplen: number;
  packets = 0;

  constructor(path: string, opts: PcapOptions = {}) {
    this.sink = new FileSink(path, pcapHeader(opts));
    this.le = !opts.bigEndian;
    this.nanos = !!opts.nanos;
    this.snaplen = opts.snaplen ?? 262144;
  }

  /** Writes one record; data longer than the snaplen is cut and origLen keeps the true length. */
  write(tsMs: number, data: Uint8Array, origLen = data.length): void {
    const cap = Math.min(data.length, this.snaplen);
    this.sink.room(16 + cap);
    const b = this.sink.buf;
    let p = this.sink.n;
    const [sec, sub] = splitTs(tsMs, this.nanos);
    if (this.le) {
      b.writeUInt32LE(sec >>> 0, p); b.writeUInt32LE(sub, p + 4); b.writeUInt32LE(cap, p + 8); b.writeUInt32LE(origLen, p + 12);
    } else {
      b.writeUInt32BE(sec >>> 0, p); b.writeUInt32BE(sub, p + 4); b.writeUInt32BE(cap, p + 8); b.writeUInt32BE(origLen, p + 12);
    }
    p += 16;
    b.set(data.subarray(0, cap), p);
    this.sink.n = p + cap;
    this.packets++;
  }

  close(): void { this.sink.close(); }
}

/** A whole pcap file in memory. */
export function pcapBytes(records: readonly PacketRecord[], opts: PcapOptions = {}): Buffer {
  const le = !opts.bigEndian, nanos = !!opts.nanos;
  const snap = opts.snaplen ?? 262144;
  const parts: Buffer[] = [pcapHeader(opts)];
  for (const r of records) {
    const cap = Math.min(r.data.length, snap);
    const h = Buffer.alloc(16);
    const [sec, sub] = splitTs(r.tsMs, nanos);
    const w = (v: number, p: number) => (le ? h.writeUInt32LE(v >>> 0, p) : h.writeUInt32BE(v >>> 0, p));
    w(sec, 0); w(sub, 4); w(cap, 8); w(r.origLen ?? r.data.length, 12);
    parts.push(h, Buffer.from(r.data.subarray(0, cap)));
  }
  return Buffer.concat(parts);
}

/** pcapng option: code and value (strings are written as UTF-8). */
export interface PcapngOption { code: number; value: Uint8Array | string }

export interface PcapngInterface {
  linktype: number;
  snaplen?: number;
  name?: string;
  /** if_tsresol byte: 6 = µs (default), 9 = ns, 0x80|n = 2^-n seconds. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

/** Builds a pcapng file block by block, in one byte order per section. */
export class PcapngBuilder {
  private readonly parts: Buffer[] = [];
  private le = true;
  private resol: number[] = [];

  /** Starts a section; every later block uses its byte order until the next section. */
  section(opts: { bigEndian?: boolean; options?: PcapngOption[] } = {}): this {
    this.le = !opts.bigEndian;
    this.resol = [];
    const body = Buffer.alloc(16);
    this.w32(body, 0x1a2b3c4d, 0);
    this.w16(body, 1, 4); this.w16(body, 0, 6);
    // Section length -1: unknown.
    body.writeInt32LE(-1, 8); body.writeInt32LE(-1, 12);
    return this.block(0x0a0d0d0a, Buffer.concat([body, this.options(opts.options ?? [])]));
  }

  interface(i: PcapngInterface): this {
    const body = Buffer.alloc(8);
    this.w16(body, i.linktype, 0);
    this.w32(body, i.snaplen ?? 262144, 4);
    const opts: PcapngOption[] = [];
    if (i.name !== undefined) opts.push({ code: 2, value: i.name });
    if (i.tsresol !== undefined) opts.push({ code: 9, value: Uint8Array.of(i.tsresol) });
    if (i.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(BigInt(i.tsoffset)); else v.writeBigInt64BE(BigInt(i.tsoffset));
      opts.push({ code: 14, value: v });
    }
    this.resol.push(i.tsresol ?? 6);
    return this.block(1, Buffer.concat([body, this.options(opts)]));
  }

  /** Enhanced packet block; the timestamp is given in the interface's own units. */
  epbTicks(ifIndex: number, ticks: bigint, data: Uint8Array, origLen = data.length, options: PcapngOption[] = []): this {
    const body = Buffer.alloc(20);
    this.w32(body, ifIndex, 0);
    this.w32(body, Number(ticks >> 32n), 4);
    this.w32(body, Number(ticks & 0xffffffffn), 8);
    this.w32(body, data.length, 12);
    this.w32(body, origLen, 16);
    return this.block(6, Buffer.concat([body, pad4(data), this.options(options)]));
  }

  /** Enhanced packet block with a ms timestamp converted to the interface's resolution. */
  epb(ifIndex: number, tsMs: number, data: Uint8Array, origLen = data.length): this {
    return this.epbTicks(ifIndex, this.ticks(ifIndex, tsMs), data, origLen);
  }

  /** Simple packet block (interface 0, no timestamp). */
  spb(data: Uint8Array, origLen = data.length): this {
    const body = Buffer.alloc(4);
    this.w32(body, origLen, 0);
    return this.block(3, Buffer.concat([body, pad4(data)]));
  }

  /** Obsolete packet block. */
  pb(ifIndex: number, tsMs: number, data: Uint8Array, origLen = data.length): this {
    const t = this.ticks(ifIndex, tsMs);
    const body = Buffer.alloc(20);
    this.w16(body, ifIndex, 0);
    this.w32(body, Number(t >> 32n), 4);
    this.w32(body, Number(t & 0xffffffffn), 8);
    this.w32(body, data.length, 12);
    this.w32(body, origLen, 16);
    return this.block(2, Buffer.concat([body, pad4(data)]));
  }

  /** Any block, e.g. an unknown type a reader must skip. */
  block(type: number, body: Uint8Array): this {
    const padded = pad4(body);
    const len = 12 + padded.length;
    const h = Buffer.alloc(8), t = Buffer.alloc(4);
    this.w32(h, type, 0); this.w32(h, len, 4); this.w32(t, len, 0);
    this.parts.push(h, padded, t);
    return this;
  }

  bytes(): Buffer { return Buffer.concat(this.parts); }

  private ticks(ifIndex: number, tsMs: number): bigint {
    const r = this.resol[ifIndex] ?? 6;
    const perSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
    // Whole ms and the fraction separately, so µs/ns values stay exact.
    const whole = Math.floor(tsMs);
    const frac = Math.round((tsMs - whole) * 1e6);
    if (r & 0x80) return BigInt(Math.round((tsMs / 1000) * perSec));
    return (BigInt(whole) * BigInt(perSec) + BigInt(frac) * BigInt(perSec) / 1000000n) / 1000n;
  }

  private options(opts: PcapngOption[]): Buffer {
    if (!opts.length) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const o of opts) {
      const v = typeof o.value === 'string' ? Buffer.from(o.value, 'utf8') : Buffer.from(o.value);
      const h = Buffer.alloc(4);
      this.w16(h, o.code, 0); this.w16(h, v.length, 2);
      parts.push(h, pad4(v));
    }
    parts.push(Buffer.alloc(4));
    return Buffer.concat(parts);
  }

  private w32(b: Buffer, v: number, p: number): void { if (this.le) b.writeUInt32LE(v >>> 0, p); else b.writeUInt32BE(v >>> 0, p); }
  private w16(b: Buffer, v: number, p: number): void { if (this.le) b.writeUInt16LE(v, p); else b.writeUInt16BE(v, p); }
}

function pad4(b: Uint8Array): Buffer {
  const n = (b.length + 3) & ~3;
  const out = Buffer.alloc(n);
  out.set(b, 0);
  return out;
}

/**
 * Streams a one-section, one-interface pcapng file (little-endian, µs
 * timestamps) to disk: SHB, IDB, then an enhanced packet block per packet.
 */
export class PcapngWriter {
  private readonly sink: FileSink;
  packets = 0;

  constructor(path: string, opts: { linktype?: number; snaplen?: number; ifName?: string } = {}) {
    this.sink = new FileSink(path, new PcapngBuilder().section().interface({ linktype: opts.linktype ?? 1, snaplen: opts.snaplen, name: opts.ifName }).bytes());
  }

  write(tsMs: number, data: Uint8Array, origLen = data.length): void {
    const padded = (data.length + 3) & ~3;
    const len = 32 + padded;
    this.sink.room(len);
    const b = this.sink.buf;
    const p = this.sink.n;
    const ticks = Math.round(tsMs * 1000);
    b.writeUInt32LE(6, p); b.writeUInt32LE(len, p + 4); b.writeUInt32LE(0, p + 8);
    b.writeUInt32LE(Math.floor(ticks / 4294967296), p + 12); b.writeUInt32LE(ticks % 4294967296, p + 16);
    b.writeUInt32LE(data.length, p + 20); b.writeUInt32LE(origLen, p + 24);
    b.set(data, p + 28);
    b.fill(0, p + 28 + data.length, p + 28 + padded);
    b.writeUInt32LE(len, p + 28 + padded);
    this.sink.n = p + len;
    this.packets++;
  }

  close(): void { this.sink.close(); }
}
