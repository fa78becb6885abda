/** Helpers about addresses and the protected host's facts. */
import type { HelperSpec, HelperContext, HelperFn, ArgProblem } from './types.ts';
import type { HostFacts } from '../../host.ts';
import { CidrSet, compileCidrs, parseCidr } from '../../net/cidr.ts';
import { parseIPv4 } from '../../net/ipv4.ts';
import { isLoopback, ipVersion, normalizeIp, subnetOf } from '../../net/ip.ts';
import { nearest } from '../suggest.ts';

function unknownList(helper: string, name: unknown, lists: HelperContext['lists']): ArgProblem {
  const near = typeof name === 'string' ? nearest(name, Object.keys(lists)) : null;
  return {
    code: 'VGL_EXPR_UNKNOWN_LIST',
    message: `${helper}() names the list ${JSON.stringify(name)}, which is not defined${near ? `; did you mean "${near}"?` : '; define it under `lists:` in a rule file'}`,
  };
}

// Dynamic CIDR arguments are parsed once and remembered (per ruleset, since list names resolve per ruleset), within a bound.
const DYNAMIC_CIDR_CAP = 1024;

function cidrSetFor(arg: unknown, lists: HelperContext['lists'], dynamicCidrs: Map<string, CidrSet | null>): CidrSet | null {
  if (Array.isArray(arg)) return compileCidrs(arg).set;
  if (typeof arg !== 'string') return null;
  let set = dynamicCidrs.get(arg);
  if (set !== undefined) return set;
  const list = Object.hasOwn(lists, arg) ? lists[arg] : undefined;
  if (list) set = compileCidrs(list).set;
  else { const c = parseCidr(arg); set = c ? new CidrSet([c]) : null; }
  if (dynamicCidrs.size >= DYNAMIC_CIDR_CAP) dynamicCidrs.clear();
  dynamicCidrs.set(arg, set);
  return set;
}

// Allow-lists are compiled once per HostFacts.allow array; new facts bring a new array.
const allowSets = new WeakMap<readonly string[], CidrSet>();
function allowSet(host: HostFacts): CidrSet {
  let s = allowSets.get(host.allow);
  if (!s) { s = compileCidrs(host.allow).set; allowSets.set(host.allow, s); }
  return s;
}

/**
 * Host address sets hold canonical text; other spellings of an address are
 * normalised before the lookup. Valid IPv4 text is always canonical (the
 * parser refuses leading zeros), so only IPv6 text pays for normalising.
 */
function inAddressSet(set: ReadonlySet<string>, ip: unknown): boolean {
  if (typeof ip !== 'string') return false;
  if (set.has(ip)) return true;
  if (parseIPv4(ip) >= 0) return false;
  const canon = normalizeIp(ip);
  return canon !== null && canon !== ip && set.has(canon);
}

function toPort(p: unknown): number {
  const n = typeof p === 'string' && p.trim() !== '' ? Number(p) : p;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : -1;
}

export const cidr: HelperSpec = {
  name: 'cidr',
  signature: 'cidr(ip, cidr_or_list)',
  description: 'ip lies inside the CIDR (IPv4 or IPv6; a bare address is a /32 or /128). The second argument may be a list name (as a string) or a list, meaning any of its CIDRs.',
  example: 'cidr(src.ip, "10.0.0.0/8") || cidr(src.ip, "internal_nets")',
  minArgs: 2,
  maxArgs: 2,
  make: (ctx) => {
    const cache = new Map<string, CidrSet | null>();
    return (ip, c) => { const s = cidrSetFor(c, ctx.lists, cache); return s !== null && s.has(ip); };
  },
  specialize(args, ctx): HelperFn | ArgProblem | null {
    const a = args[1];
    if (!a.isConst) return null;
    const v = a.value;
    let texts: readonly unknown[];
    if (Array.isArray(v)) texts = v;
    else if (typeof v === 'string' && Object.hasOwn(ctx.lists, v)) texts = ctx.lists[v];
    else if (typeof v === 'string' && parseCidr(v)) texts = [v];
    else if (typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return unknownList('cidr', v, ctx.lists);
    else return { code: 'VGL_EXPR_BAD_ARGS', message: `the second argument of cidr() must be a CIDR like "10.0.0.0/8" or a list name, got ${JSON.stringify(v)}` };
    const { set, bad } = compileCidrs(texts);
    if (bad.length) return { code: 'VGL_EXPR_BAD_ARGS', message: `cidr() got entries that are not CIDRs: ${bad.map((b) => JSON.stringify(b)).join(', ')}; write them like "192.0.2.0/24" or "2001:db8::/32"` };
    return (ip) => set.has(ip);
  },
};

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
    // IPv4 (the common case) is parsed once: valid text is canonical, so only loopback remains to test.
    const v4 = parseIPv4(ip);
    if (v4 >= 0) return v4 >>> 24 === 127;
    return inAddressSet(ctx.runtime.host.addresses, ip) || isLoopback(ip);
  },
};

export const is_gateway: HelperSpec = {
  name: 'is_gateway',
  signature: 'is_gateway(ip)',
  description: 'ip is a default gateway of the host.',
  example: 'is_gateway(src.ip)',
  minArgs: 1,
  maxArgs: 1,
  make: (ctx) => (ip) => inAddressSet(ctx.runtime.host.gateways, ip),
};

export const is_listening: HelperSpec = {
  name: 'is_listening',
  signature: 'is_listening(port, proto = "tcp")',
  description: 'A local socket listens on port; proto is "tcp" or "udp".',
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
  make: (ctx) => (ip) => allowSet(ctx.runtime.host).has(ip),
};

export const ip_version: HelperSpec = {
  name: 'ip_version',
  signature: 'ip_version(ip)',
  description: '4 or 6 for an address, undefined for anything else.',
  example: 'ip_version(src.ip) == 6',
  minArgs: 1,
  maxArgs: 1,
  make: () => (ip) => { const v = ipVersion(ip); return v === 0 ? undefined : v; },
};

export const normalize_ip: HelperSpec = {
  name: 'normalize_ip',
  signature: 'normalize_ip(ip)',
  description: 'Canonical text of an address (dotted quad; RFC 5952 IPv6, e.g. "2001:db8::1"); undefined when not an address.',
  example: 'normalize_ip("2001:DB8:0:0::1") == "2001:db8::1"',
  minArgs: 1,
  maxArgs: 1,
  make: () => (ip) => normalizeIp(ip) ?? undefined,
};

export const subnet: HelperSpec = {
  name: 'subnet',
  signature: 'subnet(ip, prefix_len)',
  description: 'The network holding ip at prefix_len bits, as "net/len" text ("10.1.2.0/24", "2001:db8:1:2::/64"); for keying by network. Undefined on bad input.',
  example: 'subnet(src.ip, ip_version(src.ip) == 4 ? 24 : 64)',
  minArgs: 2,
  maxArgs: 2,
  make: () => (ip, len) => subnetOf(ip, len) ?? undefined,
};

export const in_list: HelperSpec = {
  name: 'in_list',
  signature: 'in_list(x, "list_name")',
  description: 'x is a member of the named list (same as `x in list_name`).',
  example: 'in_list(dst.port, "hot_ports")',
  minArgs: 2,
  maxArgs: 2,
  make: (ctx) => (x, name) => {
    if (typeof name !== 'string' || !Object.hasOwn(ctx.lists, name)) return false;
    return ctx.lists[name].some((e) => e === x);
  },
  specialize(args, ctx): HelperFn | ArgProblem | null {
    const a = args[1];
    if (!a.isConst) return null;
    if (typeof a.value !== 'string' || !Object.hasOwn(ctx.lists, a.value)) return unknownList('in_list', a.value, ctx.lists);
    const set = new Set(ctx.lists[a.value].filter((e) => e === e));
    return (x) => set.has(x);
  },
};

export const context: HelperSpec = {
  name: 'context',
  signature: 'context(name, key…)',
  description: 'The context `name` is set for the key made of the remaining arguments (see Contexts in the rule language).',
  example: 'context("scanner", src.ip)',
  minArgs: 1,
  maxArgs: 16,
  make: (ctx) => (name, ...key) => {
    if (typeof name !== 'string') return false;
    try { return ctx.runtime.hasContext(name, key) === true; } catch { return false; }
  },
};

export const port_class: HelperSpec = {
  name: 'port_class',
  signature: 'port_class(port)',
  description: 'The IANA range of a port (RFC 6335): "system" (0–1023), "user" (1024–49151) or "dynamic" (49152–65535); undefined when not a port.',
  example: 'port_class(dst.port) == "system"',
  minArgs: 1,
  maxArgs: 1,
  make: () => (port) => {
    const p = toPort(port);
    if (p < 0) return undefined;
    return p < 1024 ? 'system' : p < 49152 ? 'user' : 'dynamic';
  },
};

export const NETWORK_HELPERS: readonly HelperSpec[] = [
  cidr, is_local, is_gateway, is_listening, is_ephemeral, is_allowed, in_list, context,
  ip_version, normalize_ip, subnet, port_class,
];
