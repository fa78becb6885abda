/**
 * pcapng files: a sequence of blocks (type, total length, body, total length
 * again). A Section Header Block starts each section and fixes its byte
 * order; Interface Description Blocks number the section's interfaces
 * (link type, snaplen, name, timestamp resolution and offset); packets come
 * as Enhanced, Simple or (obsolete) Packet Blocks. Other blocks are skipped.
 * A Simple Packet Block has no timestamp: it takes the previous packet's.
 */
import type { ChunkReader } from './chunk-reader.ts';
import { CaptureFileError, type CaptureInterface, type CapturedPacket, type OnPacket } from './capture-types.ts';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2;
const SPB = 3;
const EPB = 6;
const BOM = 0x1a2b3c4d;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const TWO32 = 4294967296;

const SHORT = 'the file was cut short (a capture still being written, or an interrupted copy); every packet before it was read';
const DAMAGED = 'the file is damaged from here on; every packet before it was read';

interface Iface extends CaptureInterface {
  /** ms = ticks / div (decimal resolutions of ms or finer) or ticks * mul. */
  div: number;
  mul: number;
  /** n for a resolution of 2^-n seconds, else -1. */
  pow2: number;
  offsetMs: number;
  text: string;
}

function u32(b: Buffer, p: number, le: boolean): number {
  return le
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
function u16(b: Buffer, p: number, le: boolean): number {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

interface NgState {
  readonly path: string;
  readonly maxRecord: number;
  readonly pkt: CapturedPacket;
  readonly interfaces: CaptureInterface[];
  le: boolean;
  section: number;
  ifaces: Iface[];
  count: number;
}

/** Streams every packet block to `onPacket`; returns the packet count. */
export async function readPcapng(
  path: string, r: ChunkReader, maxRecord: number,
  onPacket: OnPacket, interfaces: CaptureInterface[],
): Promise<number> {
  const pkt: CapturedPacket = { linktype: 0, buf: r.buf, offset: 0, caplen: 0, origLen: 0, tsMs: 0.5, ifIndex: 0, iface: undefined };
  pkt.tsMs = 0;
  const st: NgState = { path, maxRecord, pkt, interfaces, le: true, section: -1, ifaces: [], count: 0 };
  for (;;) {
    const need = drain(r, st, onPacket);
    if (await r.fill(need)) continue;
    if (!r.atEof || r.leftover === 0) return st.count;
    if (r.leftover < 12) throw new CaptureFileError(path, r.at(r.pos), `truncated block header (${r.leftover} of 12 bytes)`, SHORT);
    throw new CaptureFileError(path, r.at(r.pos), `truncated block: its header says ${need} bytes, only ${r.leftover} remain`, SHORT);
  }
}

/**
 * Handles every whole block in the reader's buffer and returns how many
 * bytes the next (incomplete) block needs. Synchronous so V8 optimises it as
 * a plain function; the async caller only refills.
 */
function drain(r: ChunkReader, st: NgState, onPacket: OnPacket): number {
  const b = r.buf, end = r.end, pkt = st.pkt, path = st.path;
  // One bounds-checked load per block field instead of two or four byte loads.
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  pkt.buf = b;
  let p = r.pos;
  for (;;) {
    r.pos = p;
    if (end - p < 12) return 12;
    let le = st.le;
    const type = dv.getUint32(p, le);
    if (type === SHB) {
      const bom = dv.getUint32(p + 8, true);
      if (bom === BOM) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new CaptureFileError(path, r.at(p + 8), `section header with unknown byte-order magic 0x${bom.toString(16)}`, DAMAGED);
    } else if (st.section < 0) {
      throw new CaptureFileError(path, r.at(p), 'pcapng file does not begin with a section header block', 'the file is not pcapng or is damaged at its start');
    }
    const len = dv.getUint32(p + 4, le);
    if (len < 12 || len % 4 !== 0 || len > st.maxRecord) {
      throw new CaptureFileError(path, r.at(p + 4), `block of type 0x${type.toString(16)} has an impossible length ${len} (must be a multiple of 4 between 12 and ${st.maxRecord})`, DAMAGED);
    }
    if (end - p < len) return len;
    if (dv.getUint32(p + len - 4, le) !== len) {
      throw new CaptureFileError(path, r.at(p + len - 4), `block length mismatch: leading length ${len}, trailing length ${dv.getUint32(p + len - 4, le)}`, DAMAGED);
    }
    const blockStart = p;
    p += len;
    let ifIndex = -1, caplen = 0, origLen = 0, data = 0, tsHi = 0, tsLo = 0, hasTs = true;
    switch (type) {
      case SHB:
        st.le = le;
        st.section++;
        st.ifaces = [];
        continue;
      case IDB: {
        if (len < 20) throw new CaptureFileError(path, r.at(blockStart), `interface description block too short (${len} bytes)`, DAMAGED);
        const iface = describeInterface(b, blockStart, len, le, st.section, st.ifaces.length);
        st.ifaces.push(iface);
        st.interfaces.push({ section: iface.section, index: iface.index, linktype: iface.linktype, snaplen: iface.snaplen, name: iface.name, unitsPerSecond: iface.unitsPerSecond });
        continue;
      }
      case EPB:
        if (len < 32) throw new CaptureFileError(path, r.at(blockStart), `enhanced packet block too short (${len} bytes)`, DAMAGED);
        ifIndex = dv.getUint32(blockStart + 8, le); tsHi = dv.getUint32(blockStart + 12, le); tsLo = dv.getUint32(blockStart + 16, le);
        caplen = dv.getUint32(blockStart + 20, le); origLen = dv.getUint32(blockStart + 24, le); data = blockStart + 28;
        break;
      case PB:
        if (len < 32) throw new CaptureFileError(path, r.at(blockStart), `packet block too short (${len} bytes)`, DAMAGED);
        ifIndex = dv.getUint16(blockStart + 8, le); tsHi = dv.getUint32(blockStart + 12, le); tsLo = dv.getUint32(blockStart + 16, le);
        caplen = dv.getUint32(blockStart + 20, le); origLen = dv.getUint32(blockStart + 24, le); data = blockStart + 28;
        break;
      case SPB: {
        if (len < 16) throw new CaptureFileError(path, r.at(blockStart), `simple packet block too short (${len} bytes)`, DAMAGED);
        ifIndex = 0; hasTs = false;
        origLen = dv.getUint32(blockStart + 8, le); data = blockStart + 12;
        caplen = Math.min(origLen, len - 16);
        const snap = st.ifaces[0]?.snaplen ?? 0;
        if (snap > 0 && caplen > snap) caplen = snap;
        break;
      }
      default:
        continue;
    }
    const iface = st.ifaces[ifIndex];
    if (iface === undefined) {
      throw new CaptureFileError(path, r.at(blockStart + 8), `packet names interface ${ifIndex}, but section ${st.section} describes ${st.ifaces.length} interface(s)`, DAMAGED);
    }
    if (data + caplen > blockStart + len - 4) {
      throw new CaptureFileError(path, r.at(blockStart + 20), `packet claims ${caplen} captured bytes, more than its ${len}-byte block holds`, DAMAGED);
    }
    if (hasTs) pkt.tsMs = ticksToMs(iface, tsHi, tsLo) + iface.offsetMs;
    pkt.linktype = iface.linktype;
    pkt.offset = data;
    pkt.caplen = caplen;
    pkt.origLen = origLen;
    pkt.ifIndex = ifIndex;
    pkt.iface = iface.text;
    r.pos = p;
    st.count++;
    onPacket(pkt);
  }
}

function describeInterface(b: Buffer, p: number, len: number, le: boolean, section: number, index: number): Iface {
  const iface: Iface = {
    section, index, linktype: u16(b, p + 8, le), snaplen: u32(b, p + 12, le),
    name: undefined, unitsPerSecond: 1e6, div: 1000, mul: 0, pow2: -1, offsetMs: 0, text: String(index),
  };
  const end = p + len - 4;
  for (let q = p + 16; q + 4 <= end;) {
    const code = u16(b, q, le), olen = u16(b, q + 2, le), v = q + 4;
    if (code === 0 || v + olen > end) break;
    if (code === OPT_IF_NAME) {
      let e = v + olen;
      while (e > v && b[e - 1] === 0) e--;
      iface.name = b.toString('utf8', v, e);
      iface.text = iface.name;
    } else if (code === OPT_IF_TSRESOL && olen >= 1) {
      const res = b[v];
      const exp = res & 0x7f;
      if (res & 0x80) {
        iface.unitsPerSecond = 2 ** exp;
        iface.div = 0; iface.mul = 1000 / iface.unitsPerSecond; iface.pow2 = exp;
      } else {
        iface.unitsPerSecond = 10 ** exp; iface.pow2 = -1;
        // Dividing by an exact power of ten keeps decimal timestamps correctly rounded.
        if (exp >= 3) { iface.div = 10 ** (exp - 3); iface.mul = 0; } else { iface.div = 0; iface.mul = 10 ** (3 - exp); }
      }
    } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
      const hi = u32(b, v + (le ? 4 : 0), le), lo = u32(b, v + (le ? 0 : 4), le);
      // A signed 64-bit count of seconds.
      const secs = hi >= 0x80000000 ? (hi - TWO32) * TWO32 + lo : hi * TWO32 + lo;
      iface.offsetMs = secs * 1000;
    }
    q = v + ((olen + 3) & ~3);
  }
  return iface;
}

/** Below 2^53 ticks (hi < 2^21) a tick count is an exact double. */
const EXACT_HI = 0x200000;
/** Largest decimal resolution `splitDecimal` keeps exact: nanoseconds, the finest whose ticks still fit 64 bits today. */
const MAX_SPLIT_UNITS = 1e9;

/**
 * A 64-bit tick count to ms. Nanosecond (and 2^-30 s) clocks count past
 * 2^53, where hi·2^32 + lo is no longer exact and the time would be off by
 * up to a quarter microsecond; so those are split into whole seconds and a
 * remainder first, giving the same time as a nanosecond pcap record.
 */
function ticksToMs(f: Iface, hi: number, lo: number): number {
  if (hi >= EXACT_HI) {
    if (f.pow2 >= 0 && f.pow2 <= 32) return splitPow2(hi, lo, f.pow2, f.mul);
    if (f.div >= 1000 && f.unitsPerSecond <= MAX_SPLIT_UNITS) return splitDecimal(hi, lo, f.unitsPerSecond, f.div);
  }
  const ticks = hi * TWO32 + lo;
  return f.div > 0 ? ticks / f.div : ticks * f.mul;
}

function splitPow2(hi: number, lo: number, exp: number, msPerTick: number): number {
  const unit = 2 ** exp;
  const secs = hi * (TWO32 / unit) + Math.floor(lo / unit);
  return secs * 1000 + (lo % unit) * msPerTick;
}

/**
 * Long division of hi·2^32 + lo by `units` in two 16-bit steps, every
 * intermediate below 2^53. The quotients are exact floors: an intermediate
 * below 2^53 divided by at most 1e9 rounds far less than 1/units.
 */
function splitDecimal(hi: number, lo: number, units: number, ticksPerMs: number): number {
  const a = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(a / units);
  const b = (a - q1 * units) * 65536 + (lo & 0xffff);
  const q2 = Math.floor(b / units);
  return (q1 * 65536 + q2) * 1000 + (b - q2 * units) / ticksPerMs;
}
