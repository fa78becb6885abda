/**
 * Address-level utilities over text addresses: version, canonical form,
 * loopback, subnet keys. Everything returns null/0 on bad input, never throws.
 */
import { parseIPv4, formatIPv4, maskV4 } from './ipv4.ts';
import { parseIPv6, formatIPv6, maskV6 } from './ipv6.ts';

const scratch = new Uint32Array(4);
const mask = new Uint32Array(4);

/** 4, 6, or 0 when `text` is not an address. */
export function ipVersion(text: unknown): 0 | 4 | 6 {
  if (typeof text !== 'string') return 0;
  if (parseIPv4(text) >= 0) return 4;
  return parseIPv6(text, scratch) ? 6 : 0;
}

/**
 * Canonical text of recently normalised IPv6 text (null: not an address).
 * Host-fact helpers normalise every IPv6 address they are asked about, and a
 * decoder hands out the same few thousand strings again and again; parsing
 * and formatting one costs far more than a lookup. Bounded: emptied when full.
 */
const canonV6 = new Map<string, string | null>();
const CANON_V6_MAX = 4096;

/** Canonical text (dotted quad, RFC 5952 IPv6) or null when `text` is not an address. */
export function normalizeIp(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  // Valid IPv4 text is canonical already: the parser refuses leading zeros, signs and spaces.
  if (parseIPv4(text) >= 0) return text;
  let canon = canonV6.get(text);
  if (canon !== undefined) return canon;
  canon = parseIPv6(text, scratch) ? formatIPv6(scratch) : null;
  if (canonV6.size >= CANON_V6_MAX) canonV6.clear();
  canonV6.set(text, canon);
  return canon;
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.x.x.x), in any spelling. */
export function isLoopback(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const v4 = parseIPv4(text);
  if (v4 >= 0) return v4 >>> 24 === 127;
  // Canonical IPv6 text (remembered by normalizeIp) spells both forms one way.
  const canon = normalizeIp(text);
  return canon === '::1' || (canon !== null && canon.startsWith('::ffff:127.'));
}

/**
 * The network containing `ip` at `prefix` bits, as "net/prefix" text
 * ("10.1.2.0/24", "2001:db8:1:2::/64"); null on a bad address or prefix.
 * For keying a rule by source network instead of source address.
 */
export function subnetOf(ip: unknown, prefix: unknown): string | null {
  if (typeof ip !== 'string' || typeof prefix !== 'number' || !Number.isInteger(prefix) || prefix < 0) return null;
  const v4 = parseIPv4(ip);
  if (v4 >= 0) {
    if (prefix > 32) return null;
    return `${formatIPv4((v4 & maskV4(prefix)) >>> 0)}/${prefix}`;
  }
  if (!parseIPv6(ip, scratch) || prefix > 128) return null;
  maskV6(prefix, mask);
  for (let k = 0; k < 4; k++) scratch[k] = (scratch[k] & mask[k]) >>> 0;
  return `${formatIPv6(scratch)}/${prefix}`;
}

export { parseIPv4, formatIPv4, parseIPv6, formatIPv6 };
