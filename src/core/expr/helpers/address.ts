/** Helpers about addresses and ports, independent of the host. */
import type { HelperSpec, HelperContext, HelperFn, ArgProblem } from './types.ts';
import { CidrSet, compileCidrs, parseCidr } from '../../net/cidr.ts';
import { ipVersion, normalizeIp, subnetOf } from '../../net/ip.ts';
import { toPort, unknownList } from './args.ts';

// CIDR arguments that are not constants are parsed once and remembered: text (a CIDR or a list name,
// per ruleset since list names resolve per ruleset) within a bound, lists by identity.
const DYNAMIC_CIDR_CAP = 1024;
const listSets = new WeakMap<readonly unknown[], CidrSet>();

function cidrSetFor(arg: unknown, lists: HelperContext['lists'], dynamicCidrs: Map<string, CidrSet | null>): CidrSet | null {
  if (Array.isArray(arg)) {
    let s = listSets.get(arg);
    if (!s) { s = compileCidrs(arg).set; listSets.set(arg, s); }
    return s;
  }
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
