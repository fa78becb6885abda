/**
 * The compiled functions must equal jexl's own evaluator on every expression
 * and event. jexl's evalSync is the oracle; it gets the same helpers, and
 * vars/lists in its context under the names the expressions use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jexlModule from 'jexl';
import { compileExpr } from '../../src/core/expr/compile.ts';
import { bindHelpers, HELPER_NAMES } from '../../src/core/expr/helpers/index.ts';
import { LOC, makeEnv, randomEvent, rng } from './support.ts';

/** [expression, oracle text when it differs (macros spelled out)] */
const CASES: readonly (readonly [string, string?])[] = [
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

const EVENTS = 90;

test('compiled expressions equal jexl evalSync on every (expression, event) pair', () => {
  const env = makeEnv();
  const oracle = new jexlModule.Jexl();
  const helpers = bindHelpers({ runtime: env.runtime, lists: env.lists });
  for (const name of HELPER_NAMES) { oracle.addFunction(name, helpers[name]); oracle.addTransform(name, helpers[name]); }
  const extra: Record<string, unknown> = { ...env.lists };
  for (const [k, v] of Object.entries(env.vars)) extra[`$${k}`] = v;

  const r = rng(20261126);
  const events = Array.from({ length: EVENTS }, (_, i) => randomEvent(r, i));
  let pairs = 0;
  let varied = 0;
  const mismatches: string[] = [];
  for (const [src, oracleSrc] of CASES) {
    const seen = new Set<string>();
    const c = compileExpr(src, LOC, env);
    assert.ok(c.ok, `${src} should compile: ${c.ok ? '' : c.diagnostics.map((d) => d.message).join('; ')}`);
    const expr = oracle.compile(oracleSrc ?? src);
    for (const ev of events) {
      let want: unknown;
      try { want = expr.evalSync({ ...ev, ...extra }); } catch { want = undefined; }
      const got = c.value.fn(ev);
      seen.add(JSON.stringify(got) ?? 'undefined');
      pairs++;
      try { assert.deepStrictEqual(got, want); } catch {
        if (mismatches.length < 10) mismatches.push(`${src} on ${JSON.stringify(ev)}: compiled ${JSON.stringify(got)}, jexl ${JSON.stringify(want)}`);
        else mismatches.push('');
      }
    }
    if (seen.size > 1) varied++;
  }
  assert.equal(mismatches.length, 0, `mismatches:\n${mismatches.filter(Boolean).join('\n')}`);
  assert.ok(CASES.length >= 40, `only ${CASES.length} expressions`);
  assert.ok(pairs >= 5000, `only ${pairs} pairs compared`);
  // The events must exercise the expressions: nearly all give more than one distinct result.
  assert.ok(varied >= CASES.length * 0.9, `only ${varied} of ${CASES.length} expressions varied over the events`);
});
