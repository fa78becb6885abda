/**
 * DLT_NFLOG records (linktype 239), as libpcap's `nflog:N` device and the
 * kernel's NFLOG target produce them: a 4-byte header (address family,
 * version, resource id = group, big-endian) and then TLVs. The TLV length
 * and type are in the byte order of the capturing host; the values inside
 * are in network order. A TLV length counts its own 4-byte header and is
 * padded to 4 bytes.
 *
 * A capture file from a big-endian host (s390x, PowerPC) therefore has
 * big-endian TLV headers. libpcap swaps them using the file's byte order;
 * the decoder is not told that order, so it reads it from the first TLV
 * instead (see `tlvBigEndian`).
 */

const TLV_TIMESTAMP = 3;
const TLV_INDEV = 4;
const TLV_PAYLOAD = 9;
const TLV_PREFIX = 10;

/** Where the parts of one NFLOG record are; filled in place by `parseNflog`. */
export class NflogRecord {
  family = 0;
  payloadOff = -1;
  payloadEnd = -1;
  /** Declared payload length (may exceed what was captured). */
  payloadLen = 0;
  prefixOff = -1;
  prefixEnd = -1;
  indev = -1;
  /** Kernel timestamp in ms, or -1 when the record has none. */
  tsMs = -1;
}

/** Parses the record at `buf[off..end)`; returns false when it has no usable payload. */
export function parseNflog(buf: Uint8Array, off: number, end: number, out: NflogRecord): boolean {
  out.family = buf[off];
  out.payloadOff = -1; out.prefixOff = -1; out.indev = -1; out.tsMs = -1;
  let q = off + 4;
  const be = tlvBigEndian(buf, q, end);
  while (q + 4 <= end) {
    const len = be ? (buf[q] << 8) | buf[q + 1] : buf[q] | (buf[q + 1] << 8);
    // Nested-attribute and byte-order flag bits live in the top of the type.
    const type = (be ? (buf[q + 2] << 8) | buf[q + 3] : buf[q + 2] | (buf[q + 3] << 8)) & 0x3fff;
    if (len < 4) break;
    const vOff = q + 4;
    const vEnd = q + len < end ? q + len : end;
    switch (type) {
      case TLV_PAYLOAD:
        out.payloadOff = vOff; out.payloadEnd = vEnd; out.payloadLen = len - 4;
        break;
      case TLV_PREFIX: {
        let e = vOff;
        while (e < vEnd && buf[e] !== 0) e++;
        out.prefixOff = vOff; out.prefixEnd = e;
        break;
      }
      case TLV_INDEV:
        if (vEnd - vOff >= 4) out.indev = ((buf[vOff] << 24) | (buf[vOff + 1] << 16) | (buf[vOff + 2] << 8) | buf[vOff + 3]) >>> 0;
        break;
      case TLV_TIMESTAMP:
        if (vEnd - vOff >= 16) {
          const sec = be32(buf, vOff) * 4294967296 + be32(buf, vOff + 4);
          const usec = be32(buf, vOff + 8) * 4294967296 + be32(buf, vOff + 12);
          out.tsMs = (sec * 1e6 + usec) / 1000;
        }
        break;
    }
    q += (len + 3) & ~3;
  }
  return out.payloadOff >= 0;
}

/**
 * Every NFULA attribute type is below 256, so the type read in the wrong byte
 * order has its real low byte in the high byte: at least 256 once the flag
 * bits are masked off. The first TLV (the packet header, type 1) decides.
 */
function tlvBigEndian(buf: Uint8Array, q: number, end: number): boolean {
  if (q + 4 > end) return false;
  return ((buf[q + 2] | (buf[q + 3] << 8)) & 0x3fff) >= 256;
}

function be32(buf: Uint8Array, o: number): number {
  return ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
}
