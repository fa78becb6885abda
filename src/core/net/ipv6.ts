/**
 * IPv6 text ⇄ four uint32 words (most significant first). Parsing writes into
 * a caller-supplied array so the per-event path allocates nothing.
 */
import { parseIPv4 } from './ipv4.ts';

const hexValue = (c: number): number => {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
};

// Sixteen-bit groups collected before and after "::"; module scratch, single-threaded.
const head = new Uint16Array(8);
const tail = new Uint16Array(8);

/**
 * Parses IPv6 text ("2001:db8::1", "::ffff:10.0.0.1") into `out` (4 words).
 * Returns false when the text is not an IPv6 address; zone ids ("%eth0") are refused.
 */
// One-entry memo, as parseIPv4's; the words are copied out because callers own `out`.
let memoText = '';
let memoOk = false;
const memoWords = new Uint32Array(4);

export function parseIPv6(text: string, out: Uint32Array): boolean {
  if (text === memoText) {
    if (memoOk) { out[0] = memoWords[0]; out[1] = memoWords[1]; out[2] = memoWords[2]; out[3] = memoWords[3]; }
    return memoOk;
  }
  const ok = parseIPv6Text(text, out);
  memoText = text;
  memoOk = ok;
  if (ok) { memoWords[0] = out[0]; memoWords[1] = out[1]; memoWords[2] = out[2]; memoWords[3] = out[3]; }
  return ok;
}

function parseIPv6Text(text: string, out: Uint32Array): boolean {
  const n = text.length;
  if (n < 2 || n > 45) return false;
  let nHead = 0;
  let nTail = 0;
  let compressed = false;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    compressed = true;
    i = 2;
    if (i === n) { out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 0; return true; }
  }
  while (i < n) {
    // One group: hex digits, or a trailing dotted IPv4 address.
    let v = 0;
    let digits = 0;
    const start = i;
    while (i < n) {
      const d = hexValue(text.charCodeAt(i));
      if (d < 0) break;
      v = v * 16 + d;
      if (++digits > 4) return false;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 46) {
      const v4 = parseIPv4(text.slice(start));
      if (v4 < 0) return false;
      if (nHead + nTail + 2 > 8) return false;
      if (compressed) { tail[nTail++] = v4 >>> 16; tail[nTail++] = v4 & 0xffff; }
      else { head[nHead++] = v4 >>> 16; head[nHead++] = v4 & 0xffff; }
      i = n;
      break;
    }
    if (digits === 0) return false;
    if (nHead + nTail >= 8) return false;
    if (compressed) tail[nTail++] = v; else head[nHead++] = v;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return false;
    }
  }
  const total = nHead + nTail;
  if (compressed ? total > 7 : total !== 8) return false;
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < nHead; k++) groups[k] = head[k];
  for (let k = 0; k < nTail; k++) groups[8 - nTail + k] = tail[k];
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w] << 16) | groups[2 * w + 1]) >>> 0;
  return true;
}

/** True for ::ffff:a.b.c.d (the IPv4-mapped block ::ffff:0:0/96). */
export function isV4Mapped(w: Uint32Array): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
}

/** Canonical text per RFC 5952: lowercase, longest run (≥ 2) of zero groups as "::" (first on a tie), IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(w: Uint32Array): string {
  if (isV4Mapped(w)) {
    const v = w[3];
    return `::ffff:${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const g = new Array<number>(8);
  for (let k = 0; k < 4; k++) { g[2 * k] = w[k] >>> 16; g[2 * k + 1] = w[k] & 0xffff; }
  let bestStart = -1, bestLen = 1;
  for (let k = 0; k < 8;) {
    if (g[k] !== 0) { k++; continue; }
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    if (j - k > bestLen) { bestStart = k; bestLen = j - k; }
    k = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const left = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const right = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${left}::${right}`;
}

/** Writes the mask of a prefix length (0..128) into `out` as 4 words. */
export function maskV6(prefix: number, out: Uint32Array): Uint32Array {
  for (let k = 0; k < 4; k++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * k));
    out[k] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  }
  return out;
}
