/**
 * CIDR parsing and matching. IPv4 is compared as uint32 under a mask, IPv6
 * as four uint32 words; nothing on the match path allocates.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches the IPv4 CIDRs its
 * embedded address is in, because dual-stack sockets report IPv4 peers that
 * way; it also matches IPv6 CIDRs covering ::ffff:0:0/96.
 */
import { parseIPv4, maskV4 } from './ipv4.ts';
import { parseIPv6, isV4Mapped, maskV6 } from './ipv6.ts';

export interface Cidr {
  readonly version: 4 | 6;
  readonly prefix: number;
  /** IPv4: network as uint32. */
  readonly v4: number;
  readonly mask4: number;
  /** IPv6: network and mask as 4 words each. */
  readonly v6: Uint32Array;
  readonly mask6: Uint32Array;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). Host bits are masked off. Null when invalid. */
export function parseCidr(text: unknown): Cidr | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  let prefix = -1;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    prefix = Number(p);
  }
  const v4 = parseIPv4(addr);
  if (v4 >= 0) {
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return null;
    const m = maskV4(prefix);
    return { version: 4, prefix, v4: (v4 & m) >>> 0, mask4: m, v6: new Uint32Array(4), mask6: new Uint32Array(4) };
  }
  const w = new Uint32Array(4);
  if (!parseIPv6(addr, w)) return null;
  if (prefix < 0) prefix = 128;
  if (prefix > 128) return null;
  const m6 = maskV6(prefix, new Uint32Array(4));
  for (let k = 0; k < 4; k++) w[k] = (w[k] & m6[k]) >>> 0;
  return { version: 6, prefix, v4: 0, mask4: 0, v6: w, mask6: m6 };
}

const scratch = new Uint32Array(4);

function v6Matches(c: Cidr, w: Uint32Array): boolean {
  return ((w[0] & c.mask6[0]) >>> 0) === c.v6[0] && ((w[1] & c.mask6[1]) >>> 0) === c.v6[1]
    && ((w[2] & c.mask6[2]) >>> 0) === c.v6[2] && ((w[3] & c.mask6[3]) >>> 0) === c.v6[3];
}

/**
 * A set of CIDRs compiled for matching. IPv4 networks are grouped by prefix
 * length into Sets, so a lookup costs one probe per distinct prefix length,
 * however long the list.
 */
export class CidrSet {
  private readonly v4ByPrefix: { mask: number; nets: Set<number> }[] = [];
  private readonly v6: Cidr[] = [];
  readonly size: number;

  constructor(cidrs: readonly Cidr[]) {
    const byPrefix = new Map<number, Set<number>>();
    for (const c of cidrs) {
      if (c.version === 4) {
        let s = byPrefix.get(c.prefix);
        if (!s) byPrefix.set(c.prefix, (s = new Set()));
        s.add(c.v4);
      } else {
        this.v6.push(c);
      }
    }
    // Shorter prefixes first: they tend to be the broad allow-list entries.
    for (const p of [...byPrefix.keys()].sort((a, b) => a - b)) this.v4ByPrefix.push({ mask: maskV4(p), nets: byPrefix.get(p)! });
    this.size = cidrs.length;
  }

  /** Does `ip` (text) fall inside any of the CIDRs? False for anything that is not an address. */
  has(ip: unknown): boolean {
    if (typeof ip !== 'string' || this.size === 0) return false;
    let v4 = parseIPv4(ip);
    if (v4 < 0) {
      if (!parseIPv6(ip, scratch)) return false;
      for (const c of this.v6) if (v6Matches(c, scratch)) return true;
      if (!isV4Mapped(scratch)) return false;
      v4 = scratch[3];
    }
    for (const g of this.v4ByPrefix) if (g.nets.has((v4 & g.mask) >>> 0)) return true;
    return false;
  }
}

/** Compiles CIDR texts; `bad` lists the entries that did not parse (the caller reports them). */
export function compileCidrs(texts: readonly unknown[]): { set: CidrSet; bad: unknown[] } {
  const ok: Cidr[] = [];
  const bad: unknown[] = [];
  for (const t of texts) {
    const c = parseCidr(t);
    if (c) ok.push(c); else bad.push(t);
  }
  return { set: new CidrSet(ok), bad };
}

/** One-off membership test; for repeated tests compile a CidrSet once. */
export function inCidr(ip: unknown, cidr: unknown): boolean {
  const c = parseCidr(cidr);
  return c !== null && new CidrSet([c]).has(ip);
}
