/**
 * Address-level utilities over text addresses: version, canonical form,
 * loopback, subnet keys. Everything returns null/0 on bad input, never throws.
 */
import { parseIPv4, formatIPv4, maskV4 } from './ipv4.ts';
import { parseIPv6, formatIPv6, isV4Mapped, maskV6 } from './ipv6.ts';

const scratch = new Uint32Array(4);
const mask = new Uint32Array(4);

/** 4, 6, or 0 when `text` is not an address. */
export function ipVersion(text: unknown): 0 | 4 | 6 {
  if (typeof text !== 'string') return 0;
  if (parseIPv4(text) >= 0) return 4;
  return parseIPv6(text, scratch) ? 6 : 0;
}

/** Canonical text (dotted quad, RFC 5952 IPv6) or null when `text` is not an address. */
// One-entry memo, as parseIPv4's: host-fact helpers normalise the same IPv6 text several times per event.
let memoText = '';
let memoCanon: string | null = null;

export function normalizeIp(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  if (text === memoText) return memoCanon;
  const v4 = parseIPv4(text);
  const canon = v4 >= 0 ? formatIPv4(v4) : parseIPv6(text, scratch) ? formatIPv6(scratch) : null;
  memoText = text;
  memoCanon = canon;
  return canon;
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.x.x.x). */
export function isLoopback(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const v4 = parseIPv4(text);
  if (v4 >= 0) return v4 >>> 24 === 127;
  if (!parseIPv6(text, scratch)) return false;
  if (isV4Mapped(scratch)) return scratch[3] >>> 24 === 127;
  return scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0 && scratch[3] === 1;
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
