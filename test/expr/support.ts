/** Shared pieces of the expression tests: a seeded PRNG, an event generator and a compile environment. */
import type { CompileEnv, HelperRuntime } from '../../src/core/expr/api.ts';
import type { SourceLoc } from '../../src/core/rules/types.ts';
import { emptyHostFacts } from '../../src/core/host.ts';

/** mulberry32: small, fast, good enough for test data; same seed, same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LOC: SourceLoc = { file: 'rules/site.yaml', line: 12, col: 11 };

export function makeRuntime(): HelperRuntime {
  return {
    host: emptyHostFacts({
      addresses: new Set(['10.77.0.2', '2001:db8::2']),
      gateways: new Set(['10.77.0.254']),
      listening: { tcp: new Set([22, 80]), udp: new Set([53]) },
      ephemeral: [32768, 60999],
      allow: ['10.77.1.0/24', '2001:db8:aaaa::/48'],
    }),
    // Deterministic stand-in for the engine's context table: addresses ending in .7 are "scanners".
    hasContext: (name, key) => name === 'scanner' && typeof key[0] === 'string' && key[0].endsWith('.7'),
  };
}

export function makeEnv(over: Partial<CompileEnv> = {}): CompileEnv {
  return {
    macros: {
      bare_syn: { source: 'tcp.flags.syn && !tcp.flags.ack', loc: { file: 'rules/pack.yaml', line: 5, col: 13 } },
      hot_syn: { source: 'bare_syn && dst.port in hot_ports', loc: { file: 'rules/pack.yaml', line: 6, col: 12 } },
    },
    lists: { hot_ports: [23, 2323, 3389], nets: ['10.77.0.0/16', '192.0.2.0/24'], names: ['root', 'alice'] },
    vars: { thr: 15, name: 'vigil', enforce: true, ports: [22, 80, 443] },
    extraRoots: ['count', 'key', 'data', 'rule', 'first_ts'],
    runtime: makeRuntime(),
    ...over,
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const ADDRS = ['10.77.0.1', '10.77.0.2', '10.77.0.7', '10.77.1.9', '10.77.0.254', '192.0.2.44', '127.0.0.1', '2001:db8::2', '2001:db8:aaaa::9', '::1', '::ffff:10.77.0.7', 'not-an-ip'];
const PORTS = [0, 22, 23, 53, 80, 443, 1023, 1024, 2323, 3389, 8080, 40000, 50000, 61000, 65535];

/**
 * A random event of vigil's shape. Sub-objects come and go (an event may lack
 * `tcp`), and a few values have the "wrong" type (a port as a string), as a
 * careless jsonl input would give, to exercise loose equality.
 */
export function randomEvent(r: () => number, i: number): Record<string, unknown> {
  const proto = pick(r, ['tcp', 'tcp', 'udp', 'icmp', '47']);
  const ev: Record<string, unknown> = {
    ts: 1764125410000 + i * 137,
    kind: pick(r, ['packet', 'packet', 'flow', 'socket']),
    input: 'pcapfile',
    proto,
    src: { ip: pick(r, ADDRS), port: r() < 0.1 ? String(pick(r, PORTS)) : pick(r, PORTS) },
    dst: { ip: pick(r, ADDRS), port: pick(r, PORTS) },
    bytes: Math.floor(r() * 1500),
    packets: 1 + Math.floor(r() * 3),
    payload_len: Math.floor(r() * 3) * 100,
  };
  if (r() < 0.15) delete ev.src;
  if (r() < 0.9) ev.ip = { version: 4, ttl: pick(r, [1, 32, 64, 128, 255]), tos: pick(r, [0, 0, 16, 184]), len: 40 + Math.floor(r() * 1460), id: Math.floor(r() * 65536), frag: 0, mf: r() < 0.1, df: r() < 0.5 };
  if (proto === 'tcp' && r() < 0.9) {
    const byte = pick(r, [2, 2, 2, 18, 16, 24, 4, 20, 1, 41, 0, 194]);
    const letters = 'FSRPAUEC';
    ev.tcp = {
      flags: {
        fin: !!(byte & 1), syn: !!(byte & 2), rst: !!(byte & 4), psh: !!(byte & 8), ack: !!(byte & 16), urg: !!(byte & 32), ece: !!(byte & 64), cwr: !!(byte & 128),
        byte, str: [...letters].filter((_, k) => byte & (1 << k)).join(''),
      },
      seq: Math.floor(r() * 2 ** 32), ack: 0, win: 64240,
    };
  }
  if (proto === 'udp') ev.udp = { len: 8 + Math.floor(r() * 100) };
  if (proto === 'icmp') ev.icmp = { type: pick(r, [0, 3, 8, 11]), code: pick(r, [0, 3]), ...(r() < 0.5 ? { orig: { proto: 'udp', src: { ip: '10.77.0.2', port: 53124 }, dst: { ip: '10.77.0.1', port: pick(r, PORTS) } } } : {}) };
  if (r() < 0.2) ev.prefix = pick(r, ['vigil-in', '3', '12', ' 7 ']);
  if (r() < 0.3) ev.proc = { pid: 4242, uid: pick(r, [0, 1000]), user: pick(r, ['root', 'ROOT', 'alice']), exe: pick(r, ['/usr/bin/curl', '/tmp/x', '/usr/sbin/sshd']), cmdline: pick(r, ['curl https://example.org', 'nc -l 4444', '']) };
  if (ev.kind === 'flow') ev.flow = { state: pick(r, ['new', 'destroy']), bytes_orig: Math.floor(r() * 5000), bytes_reply: 164 };
  // Template-style values the engine adds.
  ev.count = Math.floor(r() * 6);
  ev.key = [ev.src ? (ev.src as { ip: string }).ip : null, pick(r, PORTS)];
  ev.data = r() < 0.1 ? undefined : {
    ports: Array.from({ length: Math.floor(r() * 5) }, () => pick(r, PORTS)),
    items: Array.from({ length: Math.floor(r() * 4) }, () => ({ p: Math.floor(r() * 5), n: pick(r, ['a', 'b', 'tcp', 'udp']) })),
    flags_or: pick(r, [2, 18, 3]), flags_and: 2,
  };
  return ev;
}

/**
 * Expressions covering every construct and helper, over makeEnv()'s names.
 * Each is [expression, the same with macros spelled out when it uses any].
 */
export const CASES: readonly (readonly [string, string?])[] = [
  ['tcp.flags.syn && !tcp.flags.ack'],
  ['tcp.flags.syn && !tcp.flags.ack && dst.port in [22, 23, 3389]'],
  ['dst.port in hot_ports'],
  ['src.port + dst.port * 2 - 7'],
  ['dst.port / 7'],
  ['dst.port // 7'],
  ['dst.port % 7 == 3'],
  ['ip.ttl ^ 2 > 1000'],
  ['ip.ttl >= 64 || ip.tos'],
  ['ip.ttl < 64 && ip.len <= 100'],
  ["proto == 'tcp' ? dst.port : -1"],
  ["tcp.flags.str ?: 'none'"],
  ["'S' in tcp.flags.str"],
  ["proto in 'tcpudp'"],
  ['src.ip != dst.ip'],
  ['tcp.flags'],
  ['icmp.orig.dst.port > 1000 && icmp.type == 3'],
  ['data.ports[0]'],
  ['data.items[.p > 2]'],
  ['data.items[.p > 2].n'],
  ['data.items[.n == proto].p'],
  ['data.ports[1] + data.ports[2]'],
  ['data.items.p'],
  ['data.missing.deep.x'],
  ['{a: src.port, b: [dst.port, 1], c: {d: proto}}'],
  ["[src.port, dst.port, 'x']"],
  ["proto|upper == 'TCP'"],
  ["lower(proc.user) == 'root'"],
  ['len(data.ports) > 3'],
  ["cidr(src.ip, '10.0.0.0/8')"],
  ["cidr(src.ip, 'nets')"],
  ['cidr(src.ip, nets)'],
  ['cidr(src.ip, data.items[0].n)'],
  ['is_local(dst.ip) && !is_local(src.ip)'],
  ["is_listening(dst.port) || is_listening(dst.port, 'udp')"],
  ['is_ephemeral(src.port)'],
  ['is_allowed(src.ip)'],
  ['is_gateway(src.ip)'],
  ["in_list(dst.port, 'hot_ports')"],
  ["in_list(proc.user, proto == 'tcp' ? 'names' : 'nope')"],
  ["context('scanner', src.ip)"],
  ['subnet(src.ip, 24)'],
  ['ip_version(src.ip) == 6 ? subnet(src.ip, 64) : subnet(src.ip, 24)'],
  ['src.port > $thr * 1000'],
  ["$name + ':' + dst.port"],
  ['$enforce && dst.port in $ports'],
  ["!(tcp.flags.syn || tcp.flags.fin) && proto == 'tcp'"],
  ['(bytes > 100 && packets >= 1) || payload_len == 0'],
  ['bytes > 100 && (packets >= 1 || payload_len == 0)'],
  ['0 - dst.port'],
  ["dst.port == '22' || src.port == 22"],
  ['tcp.flags.byte % 4 // 2'],
  ['2 ^ 3 ^ 2 + dst.port'],
  ['src.port - dst.port - 1'],
  ['hex(ip.tos, 2) + flagmask(tcp.flags.byte, tcp.flags.byte)'],
  ["time_utc(ts, '%F %T')"],
  ["join(data.ports, '-')"],
  ['int(prefix) + 1'],
  ["str(dst.port) in '22,23,80'"],
  ["contains(proc.cmdline, 'nc')"],
  ["startswith(proc.exe, '/usr') && endswith(proc.exe, 'curl')"],
  ['port_class(dst.port)'],
  ['normalize_ip(src.ip)'],
  ['data.items[.p > count].n'],
  ['bare_syn && dst.port < 1024', '(tcp.flags.syn && !tcp.flags.ack) && dst.port < 1024'],
  ['hot_syn || !bare_syn', '((tcp.flags.syn && !tcp.flags.ack) && dst.port in hot_ports) || !(tcp.flags.syn && !tcp.flags.ack)'],
  ['tcp.flags.syn == true'],
  ['src.port == null'],
  ["proto == 'udp' && udp.len > 8"],
  ["kind == 'packet' && (ip.df || ip.mf)"],
  ['data.items[1].p'],
  ["data.items[.p > 1 && .n in 'abc'][0].n"],
  ["(dst.port in [80, 443]) ?: 'no'"],
  ["'a' + 1 + true"],
  ['dst.port / 0'],
  ['data[.flags_or > 2]'],
  ['key[0]'],
  ['key[1] in data.ports'],
  ["src.ip in ['10.77.0.1', '10.77.0.2']"],
  ['dst.port in data.ports'],
  ['src.ip|subnet(16)'],
  ["flow.state == 'new' && flow.bytes_orig > 1000"],
  ['data.items[.p == 1][true].n'],
  ['data.items[false]'],
  ["data['ports'][0]"],
  ['proc.user in names'],
  ["!context('scanner', key[0]) && count >= 3"],
  ['ip.frag == 0 && !ip.mf ? ip.ttl : ip.id'],
];
