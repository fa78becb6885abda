/** Helpers about the protected host: its addresses, gateways, sockets, ports and allow-list, read at call time. */
import type { HelperSpec } from './types.ts';
import { allowSetOf } from '../../host.ts';
import { parseIPv4 } from '../../net/ipv4.ts';
import { isLoopback, normalizeIp } from '../../net/ip.ts';
import { toPort } from './args.ts';

/**
 * Host address sets hold canonical text; other spellings of an address are
 * normalised before the lookup. Valid IPv4 text is always canonical (the
 * parser refuses leading zeros), so only IPv6 text pays for normalising.
 */
function inAddressSet(set: ReadonlySet<string>, ip: unknown): boolean {
  if (typeof ip !== 'string') return false;
  if (set.has(ip)) return true;
  // Without a colon it is IPv4 text (canonical if valid: then the lookup was exact) or no address at all.
  if (ip.indexOf(':') < 0) return false;
  const canon = normalizeIp(ip);
  return canon !== null && canon !== ip && set.has(canon);
}

export const is_local: HelperSpec = {
  name: 'is_local',
  signature: 'is_local(ip)',
  description: "ip is one of the host's own addresses, or loopback (127.0.0.0/8, ::1).",
  example: '!is_local(src.ip)',
  minArgs: 1,
  maxArgs: 1,
  make: (ctx) => (ip) => {
    if (typeof ip !== 'string') return false;
    if (ctx.runtime.host.addresses.has(ip)) return true;
    // IPv4 (the common case): valid text is canonical, so only loopback remains, and
    // that needs a "127." prefix; anything else without a colon is no address at all.
    if (ip.indexOf(':') < 0) return ip.startsWith('127.') && parseIPv4(ip) >= 0;
    return inAddressSet(ctx.runtime.host.addresses, ip) || isLoopback(ip);
  },
};

export const is_gateway: HelperSpec = {
  name: 'is_gateway',
  signature: 'is_gateway(ip)',
  description: 'ip is a default gateway of the host (of any routing table, live).',
  example: 'is_gateway(src.ip)',
  minArgs: 1,
  maxArgs: 1,
  make: (ctx) => (ip) => inAddressSet(ctx.runtime.host.gateways, ip),
};

export const is_listening: HelperSpec = {
  name: 'is_listening',
  signature: 'is_listening(port, proto = "tcp")',
  description: 'A local socket listens on port where the network can reach it (any address but loopback: a listener bound to 127.0.0.1 or ::1 alone does not count); proto is "tcp" or "udp".',
  example: '!is_listening(dst.port)',
  minArgs: 1,
  maxArgs: 2,
  make: (ctx) => (port, proto) => {
    const p = toPort(port);
    if (p < 0) return false;
    const l = ctx.runtime.host.listening;
    if (proto === undefined || proto === 'tcp') return l.tcp.has(p);
    return proto === 'udp' ? l.udp.has(p) : false;
  },
};

export const listening_known: HelperSpec = {
  name: 'listening_known',
  signature: 'listening_known(proto = "tcp")',
  description: 'The host\'s listening ports for proto ("tcp" or "udp") are known (live facts, or `--listen` in a replay): is_listening can then say no.',
  example: 'is_listening(dst.port) || !listening_known()',
  minArgs: 0,
  maxArgs: 1,
  make: (ctx) => (proto) => {
    const l = ctx.runtime.host.listening;
    if (proto === undefined || proto === 'tcp') return l.tcp.size > 0;
    return proto === 'udp' ? l.udp.size > 0 : false;
  },
};

export const is_ephemeral: HelperSpec = {
  name: 'is_ephemeral',
  signature: 'is_ephemeral(port)',
  description: "port lies inside the host's ephemeral port range (inclusive).",
  example: 'is_ephemeral(dst.port)',
  minArgs: 1,
  maxArgs: 1,
  make: (ctx) => (port) => {
    const p = toPort(port);
    const [lo, hi] = ctx.runtime.host.ephemeral;
    return p >= 0 && p >= lo && p <= hi;
  },
};

export const is_allowed: HelperSpec = {
  name: 'is_allowed',
  signature: 'is_allowed(ip)',
  description: 'ip lies inside a CIDR of the configured allow-list.',
  example: '!is_allowed(src.ip)',
  minArgs: 1,
  maxArgs: 1,
  make: (ctx) => (ip) => allowSetOf(ctx.runtime.host).has(ip),
};
