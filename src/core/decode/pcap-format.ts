/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte
 * header (seconds, sub-seconds, captured length, original length) and the
 * packet bytes. The magic number gives the byte order and whether the
 * sub-seconds are micro- or nanoseconds; the "modified" (Kuznetzov) magic
 * adds 8 more header bytes per record, which are skipped.
 */
import type { ChunkReader } from './chunk-reader.ts';
import { CaptureFileError, type CaptureInterface, type CapturedPacket, type OnPacket } from './capture-types.ts';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_MODIFIED = 0xa1b2cd34;
/** libpcap's own ceiling for a record on most link types. */
const TYPICAL_MAX_SNAPLEN = 262144;

export interface PcapMagic { littleEndian: boolean; nanos: boolean; recordHeader: number }

/** Recognises a pcap magic in the first 4 file bytes (read little-endian), or null. */
export function pcapMagic(first4LE: number): PcapMagic | null {
  const swapped = (((first4LE & 0xff) << 24) | ((first4LE & 0xff00) << 8) | ((first4LE >>> 8) & 0xff00) | (first4LE >>> 24)) >>> 0;
  for (const [value, le] of [[first4LE, true], [swapped, false]] as const) {
    if (value === MAGIC_US) return { littleEndian: le, nanos: false, recordHeader: 16 };
    if (value === MAGIC_NS) return { littleEndian: le, nanos: true, recordHeader: 16 };
    if (value === MAGIC_MODIFIED) return { littleEndian: le, nanos: false, recordHeader: 24 };
  }
  return null;
}

function u32(b: Buffer, p: number, le: boolean): number {
  return le
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

interface PcapState {
  readonly path: string;
  readonly le: boolean;
  readonly nanos: boolean;
  readonly hdr: number;
  readonly limit: number;
  readonly snaplen: number;
  readonly pkt: CapturedPacket;
  count: number;
}

const SHORT = 'the file was cut short (a capture still being written, or an interrupted copy); every packet before it was read';

/** Streams every record to `onPacket`; returns the packet count. */
export async function readPcap(
  path: string, r: ChunkReader, magic: PcapMagic, maxRecord: number,
  onPacket: OnPacket, interfaces: CaptureInterface[],
): Promise<number> {
  if (!(await r.fill(24))) {
    if (!r.atEof) return 0;
    throw new CaptureFileError(path, r.at(r.pos), `pcap file header cut short (${r.leftover} of 24 bytes)`, 'the file is incomplete; capture again or copy it whole');
  }
  const le = magic.littleEndian;
  const snaplen = u32(r.buf, r.pos + 16, le);
  const linktype = u32(r.buf, r.pos + 20, le) & 0xffff;
  interfaces.push({ section: 0, index: 0, linktype, snaplen, name: undefined, unitsPerSecond: magic.nanos ? 1e9 : 1e6 });
  r.pos += 24;
  const pkt: CapturedPacket = { linktype, buf: r.buf, offset: 0, caplen: 0, origLen: 0, tsMs: 0.5, ifIndex: 0, iface: undefined };
  const st: PcapState = {
    path, le, nanos: magic.nanos, hdr: magic.recordHeader, snaplen,
    limit: Math.min(maxRecord, Math.max(snaplen, TYPICAL_MAX_SNAPLEN)), pkt, count: 0,
  };
  const hdr = st.hdr;
  for (;;) {
    drain(r, st, onPacket);
    // The next record is not wholly in the buffer: read on, then drain again.
    const have = r.leftover;
    const need = have < hdr ? hdr : hdr + u32(r.buf, r.pos + 8, le);
    if (await r.fill(need)) continue;
    if (!r.atEof || r.leftover === 0) return st.count;
    if (r.leftover < hdr) {
      throw new CaptureFileError(path, r.at(r.pos), `truncated record header (${r.leftover} of ${hdr} bytes) after packet ${st.count}`, SHORT);
    }
    throw new CaptureFileError(path, r.at(r.pos), `truncated record ${st.count + 1}: its header says ${need - hdr} bytes, only ${r.leftover - hdr} remain`, SHORT);
  }
}

/**
 * Delivers every whole record in the reader's buffer. Kept synchronous and
 * apart from the refill logic so that V8 optimises it once, as a plain
 * function, instead of re-optimising an async loop at every chunk.
 */
function drain(r: ChunkReader, st: PcapState, onPacket: OnPacket): void {
  const b = r.buf, end = r.end, le = st.le, hdr = st.hdr, nanos = st.nanos, limit = st.limit, pkt = st.pkt;
  // One bounds-checked load per header field instead of four byte loads.
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  pkt.buf = b;
  let p = r.pos;
  while (end - p >= hdr) {
    const incl = dv.getUint32(p + 8, le);
    if (incl > limit) {
      r.pos = p;
      throw new CaptureFileError(st.path, r.at(p), `record ${st.count + 1} claims ${incl} captured bytes, more than the snaplen ${st.snaplen} allows`, 'the file is damaged from here on; every packet before it was read');
    }
    const next = p + hdr + incl;
    if (next > end) break;
    const sec = dv.getUint32(p, le), sub = dv.getUint32(p + 4, le);
    pkt.offset = p + hdr;
    pkt.caplen = incl;
    pkt.origLen = dv.getUint32(p + 12, le);
    // One division of an exact integer keeps µs timestamps correctly rounded; ns would overflow 2^53, so add.
    pkt.tsMs = nanos ? sec * 1000 + sub / 1e6 : (sec * 1e6 + sub) / 1000;
    p = next;
    r.pos = p;
    st.count++;
    onPacket(pkt);
  }
  r.pos = p;
}
