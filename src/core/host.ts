/**
 * Facts about the protected host that conditions test (is_local, is_gateway,
 * is_listening, is_ephemeral, is_allowed) and that the firewall action uses
 * to refuse self-blocking. Live: read from /proc and the routing table.
 * Replay: from config and `--host`/`--gateway`/`--listen` flags.
 */
import { compileCidrs, type CidrSet } from './net/cidr.ts';
import { isLoopback, normalizeIp } from './net/ip.ts';

export interface HostFacts {
  /** The host's own addresses (loopback is always treated as local). */
  readonly addresses: ReadonlySet<string>;
  readonly gateways: ReadonlySet<string>;
  readonly listening: { readonly tcp: ReadonlySet<number>; readonly udp: ReadonlySet<number> };
  /** Inclusive ephemeral port range. */
  readonly ephemeral: readonly [number, number];
  /** Allow-listed CIDRs, never accused or blocked. */
  readonly allow: readonly string[];
}

export function emptyHostFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    addresses: new Set(),
    gateways: new Set(),
    listening: { tcp: new Set(), udp: new Set() },
    ephemeral: [32768, 60999],
    allow: [],
    ...over,
  };
}

const allowSets = new WeakMap<readonly string[], CidrSet>();

/** The allow-list compiled once per `allow` array (new host facts bring a new array). */
export function allowSetOf(host: HostFacts): CidrSet {
  let set = allowSets.get(host.allow);
  if (!set) {
    set = compileCidrs(host.allow).set;
    allowSets.set(host.allow, set);
  }
  return set;
}

/**
 * Why `address` must never be blocked, or null when it may be: it is not an
 * address, is unspecified, loopback, one of the host's own, a gateway, or
 * inside the allow-list. An IPv4-mapped IPv6 address is judged as its IPv4
 * address too. The one check every blocking action makes before anything
 * else (brief: never block the host, its gateway, loopback or the allow-list).
 */
export function unblockableReason(address: string, host: HostFacts): string | null {
  const canon = normalizeIp(address.trim());
  if (canon === null) return 'it is not an IP address';
  const mapped = canon.startsWith('::ffff:') && canon.includes('.') ? canon.slice(7) : null;
  for (const ip of mapped ? [canon, mapped] : [canon]) {
    if (ip === '0.0.0.0' || ip === '::') return 'it is the unspecified address';
    if (isLoopback(ip)) return 'it is a loopback address';
    if (host.addresses.has(ip)) return "it is one of the host's own addresses";
    if (host.gateways.has(ip)) return "it is the host's gateway";
    if (allowSetOf(host).has(ip)) return 'it is inside the allow-list';
  }
  return null;
}
