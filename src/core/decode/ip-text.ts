/**
 * Address bytes to text, cheaply. The decoder formats two addresses per
 * packet, so both formatters keep a bounded direct-mapped cache: a repeat
 * address (the common case — flows repeat) costs a few integer compares and
 * returns the same string object, whose hash V8 has already computed, which
 * makes it cheap as a Map key downstream. Memory is fixed: the caches never
 * grow, a colliding address simply replaces the previous occupant.
 */

const BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const HEX16: string[] = new Array<string>(65536);

function hex16(v: number): string {
  let s = HEX16[v];
  if (s === undefined) { s = v.toString(16); HEX16[v] = s; }
  return s;
}

const V4_SLOTS = 1 << 14;
const v4Keys = new Int32Array(V4_SLOTS);
const v4Text: (string | undefined)[] = new Array<string | undefined>(V4_SLOTS).fill(undefined);

/** Dotted-quad text of the IPv4 address at `buf[off..off+4)`. */
export function ipv4Text(buf: Uint8Array, off: number): string {
  return ipv4TextOf((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]);
}

/** Dotted-quad text of the IPv4 address whose 4 bytes, big-endian, make the int32 `key`. */
export function ipv4TextOf(key: number): string {
  // Fibonacci hashing spreads neighbouring addresses over the table.
  const slot = Math.imul(key, 0x9e3779b1) >>> 18;
  const hit = v4Text[slot];
  if (hit !== undefined && v4Keys[slot] === key) return hit;
  const s = BYTE_TEXT[key >>> 24] + '.' + BYTE_TEXT[(key >>> 16) & 255] + '.' + BYTE_TEXT[(key >>> 8) & 255] + '.' + BYTE_TEXT[key & 255];
  v4Keys[slot] = key;
  v4Text[slot] = s;
  return s;
}

const V6_SLOTS = 1 << 12;
const v6Keys = new Int32Array(V6_SLOTS * 4);
const v6Text: (string | undefined)[] = new Array<string | undefined>(V6_SLOTS).fill(undefined);

/** The 4 bytes at `buf[o..o+4)` as a big-endian int32, the unit in which IPv6 addresses are cached. */
export function word32(buf: Uint8Array, o: number): number {
  return (buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];
}

/** Canonical RFC 5952 text of the IPv6 address at `buf[off..off+16)`. */
export function ipv6Text(buf: Uint8Array, off: number): string {
  return ipv6TextOf(word32(buf, off), word32(buf, off + 4), word32(buf, off + 8), word32(buf, off + 12));
}

const V6_BYTES = new Uint8Array(16);

/** Canonical RFC 5952 text of the IPv6 address made of the big-endian int32 words w0..w3. */
export function ipv6TextOf(w0: number, w1: number, w2: number, w3: number): string {
  const slot = Math.imul(w0 ^ Math.imul(w1, 31) ^ Math.imul(w2, 961) ^ Math.imul(w3, 29791), 0x9e3779b1) >>> 20;
  const k = slot * 4;
  const hit = v6Text[slot];
  if (hit !== undefined && v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) return hit;
  const b = V6_BYTES;
  b[0] = w0 >>> 24; b[1] = w0 >>> 16; b[2] = w0 >>> 8; b[3] = w0;
  b[4] = w1 >>> 24; b[5] = w1 >>> 16; b[6] = w1 >>> 8; b[7] = w1;
  b[8] = w2 >>> 24; b[9] = w2 >>> 16; b[10] = w2 >>> 8; b[11] = w2;
  b[12] = w3 >>> 24; b[13] = w3 >>> 16; b[14] = w3 >>> 8; b[15] = w3;
  const s = formatIpv6(b, 0);
  v6Keys[k] = w0; v6Keys[k + 1] = w1; v6Keys[k + 2] = w2; v6Keys[k + 3] = w3;
  v6Text[slot] = s;
  return s;
}

/** RFC 5952: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`, first run on a tie; IPv4-mapped addresses end in dotted quad (section 5). */
export function formatIpv6(buf: Uint8Array, off: number): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (buf[off + i] !== 0) { mapped = false; break; }
  if (mapped && buf[off + 10] === 0xff && buf[off + 11] === 0xff) {
    return '::ffff:' + BYTE_TEXT[buf[off + 12]] + '.' + BYTE_TEXT[buf[off + 13]] + '.' + BYTE_TEXT[buf[off + 14]] + '.' + BYTE_TEXT[buf[off + 15]];
  }
  let bestStart = -1, bestLen = 0, runStart = -1;
  for (let g = 0; g < 8; g++) {
    const zero = buf[off + 2 * g] === 0 && buf[off + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) { bestLen = len; bestStart = runStart; }
    } else runStart = -1;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) { s += '::'; g += bestLen - 1; continue; }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += hex16((buf[off + 2 * g] << 8) | buf[off + 2 * g + 1]);
  }
  return s;
}

/**
 * Parses IPv4 or IPv6 text to its canonical text (dotted quad or RFC 5952),
 * or null when the text is not an address. Used for events that arrive as
 * text (JSON lines) so that they compare equal to decoded ones.
 */
export function canonicalIpText(text: string): string | null {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes ? formatIpv6(bytes, 0) : null;
  }
  const bytes = parseIpv4(text);
  return bytes ? ipv4Text(bytes, 0) : null;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  let t = text;
  const zone = t.indexOf('%');
  if (zone >= 0) return null;
  const out = new Uint8Array(16);
  let tail: Uint8Array | null = null;
  const lastColon = t.lastIndexOf(':');
  if (t.indexOf('.', lastColon) > 0) {
    tail = parseIpv4(t.slice(lastColon + 1));
    if (!tail) return null;
    t = t.slice(0, lastColon + 1) + '0:0';
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  for (let g = 0; g < 8; g++) { out[2 * g] = all[g] >> 8; out[2 * g + 1] = all[g] & 0xff; }
  if (tail) out.set(tail, 12);
  return out;
}
