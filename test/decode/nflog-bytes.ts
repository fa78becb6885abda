/**
 * NFLOG records as a big-endian host (s390x, PowerPC) writes them: each TLV's
 * length and type in big-endian, the values unchanged (they are network order
 * on every host). bench/lib/packets.ts writes the little-endian form.
 */
export function nflogBigEndianTlvs(rec: Uint8Array): Uint8Array {
  const b = Uint8Array.from(rec);
  for (let q = 4; q + 4 <= b.length;) {
    const len = b[q] | (b[q + 1] << 8);
    [b[q], b[q + 1], b[q + 2], b[q + 3]] = [b[q + 1], b[q], b[q + 3], b[q + 2]];
    q += (len + 3) & ~3;
  }
  return b;
}
