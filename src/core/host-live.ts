/**
 * Facts about the live host, read without privileges: addresses from
 * /proc/net/fib_trie and /proc/net/if_inet6 plus os.networkInterfaces(), default gateways from /proc/net/route and
 * /proc/net/ipv6_route, listening ports from /proc/net/{tcp,tcp6,udp,udp6},
 * the ephemeral range from /proc/sys/net/ipv4/ip_local_port_range. Merged
 * with the config's `host:` section, which adds to what is found.
 */
import { networkInterfaces } from 'node:os';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { HostFacts } from './host.ts';
import { hexIpv4, parseNetTable, NET_TABLES } from './procfs/net-table.ts';
import { formatIpv6 } from './decode/ip-text.ts';
import { LISTEN_RE } from './config/schema.ts';
import { isLoopback, normalizeIp } from './net/ip.ts';

const read = (path: string): string | null => { try { return readFileSync(path, 'latin1'); } catch { return null; } };

/**
 * IPv4 addresses the kernel delivers locally: the "/32 host LOCAL" leaves of
 * /proc/net/fib_trie. Unlike os.networkInterfaces() (libuv skips interfaces
 * that are not both UP and RUNNING), this keeps the addresses of an interface
 * without carrier, such as docker0 with no container, which are still the host's.
 */
export function parseFibTrieLocal(text: string): string[] {
  const out = new Set<string>();
  let leaf = '';
  for (const line of text.split('\n')) {
    const m = /^\s*\|-- (\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (m) { leaf = m[1]; continue; }
    if (leaf && /^\s*\/32 host LOCAL\s*$/.test(line)) out.add(leaf);
  }
  return [...out];
}

/** IPv6 addresses of every interface, up or not, from /proc/net/if_inet6 (network byte order hex). */
export function parseIfInet6(text: string): string[] {
  const out: string[] = [];
  const bytes = new Uint8Array(16);
  for (const line of text.split('\n')) {
    const hex = line.trim().split(/\s+/)[0];
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) continue;
    for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    out.push(formatIpv6(bytes, 0));
  }
  return out;
}

export function liveAddresses(): string[] {
  const out = new Set<string>([...parseFibTrieLocal(read('/proc/net/fib_trie') ?? ''), ...parseIfInet6(read('/proc/net/if_inet6') ?? '')]);
  // Still asked: it is the only source where /proc/net is not mounted or is filtered.
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.replace(/%.*$/, ''));
  return [...out];
}

/** Default IPv4 gateways: destination 0.0.0.0/0 with the RTF_GATEWAY flag. */
export function parseRouteTable(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3], 16);
    if (f[1] === '00000000' && f[7] === '00000000' && (flags & 0x2) && f[2] !== '00000000') out.push(hexIpv4(f[2]));
  }
  return out;
}

/** Default IPv6 gateways: ::/0 with a next hop. ipv6_route writes addresses in network byte order. */
export function parseIpv6RouteTable(text: string): string[] {
  const out: string[] = [];
  const bytes = new Uint8Array(16);
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[1] !== '00' || !/^0{32}$/.test(f[0]) || /^0{32}$/.test(f[4])) continue;
    for (let i = 0; i < 16; i++) bytes[i] = parseInt(f[4].slice(i * 2, i * 2 + 2), 16);
    out.push(formatIpv6(bytes, 0));
  }
  return out;
}

/**
 * Default gateways of every routing table, from iproute2's JSON: a
 * policy-routed host (a second uplink in table 100, a VPN's own table) has
 * gateways that /proc/net/route, which shows the main table only, never
 * lists, and a gateway must never be accused or blocked. Multipath routes
 * give each next hop. `ip` missing, failing or too slow (2 s) adds nothing:
 * the /proc tables still give the main table's.
 */
export function parseIpRouteJson(text: string): string[] {
  let routes: unknown;
  try { routes = JSON.parse(text); } catch { return []; }
  if (!Array.isArray(routes)) return [];
  const out: string[] = [];
  const hop = (h: unknown): void => {
    const g = (h as { gateway?: unknown } | null)?.gateway;
    const canon = typeof g === 'string' ? normalizeIp(g) : null;
    if (canon !== null) out.push(canon);
  };
  for (const r of routes as Array<{ dst?: unknown; nexthops?: unknown } | null>) {
    if (r === null || typeof r !== 'object' || (r.dst !== 'default' && r.dst !== '0.0.0.0/0' && r.dst !== '::/0')) continue;
    hop(r);
    if (Array.isArray(r.nexthops)) for (const h of r.nexthops) hop(h);
  }
  return out;
}

const IP_ROUTE_ARGS = (family: string): string[] => ['-j', family, 'route', 'show', 'table', 'all'];
const IP_TIMEOUT_MS = 2000;

/** Blocking: for start-up, where nothing else runs yet. */
export function policyGateways(): string[] {
  const out: string[] = [];
  for (const family of ['-4', '-6']) {
    try {
      const text = execFileSync('ip', IP_ROUTE_ARGS(family), { encoding: 'utf8', timeout: IP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
      out.push(...parseIpRouteJson(text));
    } catch { /* no iproute2, or it failed: the main table's gateways from /proc remain */ }
  }
  return out;
}

/** Not blocking: for the periodic re-read while events flow. */
export async function policyGatewaysAsync(): Promise<string[]> {
  const one = (family: string) => new Promise<string[]>((resolve) => {
    execFile('ip', IP_ROUTE_ARGS(family), { encoding: 'utf8', timeout: IP_TIMEOUT_MS }, (err, stdout) => resolve(err ? [] : parseIpRouteJson(stdout)));
  });
  return (await Promise.all([one('-4'), one('-6')])).flat();
}

export function liveListening(): { tcp: Set<number>; udp: Set<number> } {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  for (const table of NET_TABLES) {
    const text = read(`/proc/net/${table}`);
    if (text === null) continue;
    for (const r of parseNetTable(table, text).rows) {
      // Packets from the network never reach a socket bound to loopback alone (a database on 127.0.0.1:6379): the port is closed to them, and a probe of it is a probe of a closed port.
      if (isLoopback(r.localIp)) continue;
      if (r.proto === 'tcp' && r.state === 'LISTEN') tcp.add(r.localPort);
      else if (r.proto === 'udp' && r.remoteIp === null) udp.add(r.localPort);
    }
  }
  return { tcp, udp };
}

export function liveEphemeralRange(): [number, number] {
  const m = /^\s*(\d+)\s+(\d+)/.exec(read('/proc/sys/net/ipv4/ip_local_port_range') ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [32768, 60999];
}

export interface HostOverrides {
  readonly addresses: readonly string[];
  readonly gateways: readonly string[];
  readonly listen: readonly (number | string)[];
  readonly allow: readonly string[];
}

/**
 * Host facts from the config/flags alone (replay), or those plus the live
 * host's (`live`). `tableGateways`: the other routing tables' gateways when
 * the caller read them already (policyGatewaysAsync); read here otherwise.
 */
export function buildHostFacts(over: HostOverrides, live: boolean, tableGateways?: readonly string[]): HostFacts {
  const addresses = new Set<string>(live ? liveAddresses() : []);
  const gateways = new Set<string>(live ? [...parseRouteTable(read('/proc/net/route') ?? ''), ...parseIpv6RouteTable(read('/proc/net/ipv6_route') ?? ''), ...(tableGateways ?? policyGateways())] : []);
  const listening = live ? liveListening() : { tcp: new Set<number>(), udp: new Set<number>() };
  for (const a of over.addresses) addresses.add(a);
  for (const g of over.gateways) gateways.add(g);
  for (const l of over.listen) {
    const m = LISTEN_RE.exec(String(l));
    if (m) (m[2] === 'udp' ? listening.udp : listening.tcp).add(Number(m[1]));
  }
  return { addresses, gateways, listening, ephemeral: live ? liveEphemeralRange() : [32768, 60999], allow: [...over.allow] };
}
