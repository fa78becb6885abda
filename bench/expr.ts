/**
 * bench expr: evaluations per second of a few rule conditions and a message
 * template, three ways on the same 1024 events: vigil's compiled function,
 * jexl's evalSync on a pre-compiled expression (the reference), and
 * hand-written JavaScript (the ceiling). Median of 5 runs each.
 *
 *   node --import tsx bench/expr.ts      (or: npm run bench -- expr)
 */
import os from 'node:os';
import jexlModule from 'jexl';
import { Rng } from './lib/rng.ts';
import { compileExpr, compileTemplate } from '../src/core/expr/compile.ts';
import { bindHelpers, HELPER_NAMES } from '../src/core/expr/helpers/index.ts';
import type { CompileEnv } from '../src/core/expr/api.ts';
import { emptyHostFacts } from '../src/core/host.ts';
import { CidrSet, parseCidr } from '../src/core/net/cidr.ts';
import { isLoopback } from '../src/core/net/ip.ts';
import { writeSection } from './lib/results.ts';

const RUNS = 5;
const EVENTS = 1024;
const loc = { file: 'bench.yaml', line: 1, col: 1 };

const env: CompileEnv = {
  macros: {},
  lists: { hot_ports: [23, 2323, 3389, 5900], internal: ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12'] },
  vars: { thr: 1024 },
  extraRoots: ['count', 'rule', 'key', 'data', 'first_ts'],
  runtime: { host: emptyHostFacts({ addresses: new Set(['10.77.0.2']), listening: { tcp: new Set([22, 80]), udp: new Set() } }), hasContext: () => false },
};

type Ev = {
  ts: number; kind: string; proto: string; src: { ip: string; port: number }; dst: { ip: string; port: number };
  ip: { ttl: number }; bytes: number; tcp?: { flags: { syn: boolean; ack: boolean } }; rule: string; count: number;
};

function events(): Ev[] {
  const r = new Rng(42);
  const addrs = ['10.77.0.2', '10.1.2.3', '192.168.1.9', '203.0.113.5', '198.51.100.77', '127.0.0.1'];
  return Array.from({ length: EVENTS }, (_, i) => {
    const proto = r.pick(['tcp', 'tcp', 'tcp', 'udp']);
    const byte = r.pick([2, 2, 18, 16]);
    return {
      ts: 1764125410000 + i, kind: 'packet', proto,
      src: { ip: r.pick(addrs), port: r.range(1024, 65535) }, dst: { ip: r.pick(addrs), port: r.pick([22, 23, 80, 443, 3389, 8080, 50000]) },
      ip: { ttl: r.pick([32, 64, 128]) }, bytes: r.range(40, 1500),
      ...(proto === 'tcp' ? { tcp: { flags: { syn: !!(byte & 2), ack: !!(byte & 16) } } } : {}),
      rule: 'bench', count: r.range(1, 30),
    };
  });
}

const internal = new CidrSet(['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12'].map((c) => parseCidr(c)!));
const own = env.runtime.host.addresses;
const hot = new Set([23, 2323, 3389, 5900]);

interface Case { name: string; source: string; hand: (ev: Ev) => unknown; template?: boolean }
const CASES: Case[] = [
  {
    name: 'bare SYN to a port list',
    source: 'tcp.flags.syn && !tcp.flags.ack && dst.port in [22, 23, 3389]',
    hand: (ev) => { const p = ev.dst.port; return ev.tcp !== undefined && ev.tcp.flags.syn && !ev.tcp.flags.ack && (p === 22 || p === 23 || p === 3389); },
  },
  {
    name: 'helpers: not local, inside a CIDR list, hot port',
    source: '!is_local(src.ip) && cidr(src.ip, "internal") && dst.port in hot_ports',
    hand: (ev) => !(own.has(ev.src.ip) || isLoopback(ev.src.ip)) && internal.has(ev.src.ip) && hot.has(ev.dst.port),
  },
  {
    name: 'arithmetic and a ternary',
    source: "proto == 'udp' ? bytes > $thr : (dst.port // 100) * 2 + ip.ttl % 7 > 10",
    hand: (ev) => (ev.proto === 'udp' ? ev.bytes > 1024 : Math.floor(ev.dst.port / 100) * 2 + (ev.ip.ttl % 7) > 10),
  },
  {
    name: 'message template (3 holes)',
    source: '{{ src.ip }} probed port {{ dst.port }} ({{ count }} in window)',
    hand: (ev) => `${ev.src.ip} probed port ${ev.dst.port} (${ev.count} in window)`,
    template: true,
  },
];

/**
 * Evaluations per second of this process's CPU time (user + system), not of
 * wall time: on a shared machine the process is descheduled at random, which
 * wall time would count against whichever mode happened to be running.
 */
function measure(fn: (ev: Ev) => unknown, evs: Ev[], iterations: number): number {
  let sink = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) if (fn(evs[i & (EVENTS - 1)])) sink++;
  const c = process.cpuUsage(c0);
  if (sink < 0) console.log(sink); // keeps the loop observable
  return iterations / ((c.user + c.system) / 1e6);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);

const loadAtStart = os.loadavg()[0];
const evs = events();
const oracle = new jexlModule.Jexl();
const helpers = bindHelpers({ runtime: env.runtime, lists: env.lists });
for (const n of HELPER_NAMES) { oracle.addFunction(n, helpers[n]); oracle.addTransform(n, helpers[n]); }
const ctxExtra = { ...env.lists, $thr: 1024 };

const rows: string[] = [];
for (const c of CASES) {
  let compiled: (ev: Ev) => unknown;
  let viaJexl: (ev: Ev) => unknown;
  const compileTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    const r = c.template ? compileTemplate(c.source, loc, env) : compileExpr(c.source, loc, env);
    compileTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!r.ok) throw new Error(`${c.name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  }
  if (c.template) {
    const t = compileTemplate(c.source, loc, env);
    if (!t.ok) throw new Error('unreachable');
    compiled = t.value.render as (ev: Ev) => unknown;
    const holes = [...c.source.matchAll(/\{\{(.*?)\}\}/g)].map((m) => oracle.compile(m[1]));
    const texts = c.source.split(/\{\{.*?\}\}/);
    viaJexl = (ev) => { let out = texts[0]; for (let i = 0; i < holes.length; i++) out += String(holes[i].evalSync(ev as never) ?? '') + texts[i + 1]; return out; };
  } else {
    const e = compileExpr(c.source, loc, env);
    if (!e.ok) throw new Error('unreachable');
    compiled = e.value.fn as (ev: Ev) => unknown;
    const x = oracle.compile(c.source);
    // jexl reads lists and vars from its context: give it prepared contexts, so its figure carries no copying.
    const ctxs = new Map(evs.map((ev) => [ev, { ...ev, ...ctxExtra }]));
    viaJexl = (ev) => x.evalSync(ctxs.get(ev)!);
  }
  // Same answers before timing anything.
  for (const ev of evs) {
    const a = compiled(ev), b = viaJexl(ev), h = c.hand(ev);
    if (a !== b || Boolean(a) !== Boolean(h)) throw new Error(`${c.name}: compiled ${String(a)}, jexl ${String(b)}, hand ${String(h)}`);
  }
  const res = { compiled: [] as number[], jexl: [] as number[], hand: [] as number[] };
  measure(compiled, evs, 2_000_000); measure(c.hand, evs, 2_000_000); measure(viaJexl, evs, 20_000); // warm-up
  for (let r = 0; r < RUNS; r++) {
    res.compiled.push(measure(compiled, evs, 5_000_000));
    res.jexl.push(measure(viaJexl, evs, 50_000));
    res.hand.push(measure(c.hand, evs, 5_000_000));
  }
  const mc = median(res.compiled), mj = median(res.jexl), mh = median(res.hand);
  const line = `| ${c.name} | \`${c.source.replace(/\|/g, '\\|')}\` | ${fmt(mj)} | ${fmt(mc)} | ${fmt(mh)} | ${(mc / mj).toFixed(0)}× | ${(mc / mh).toFixed(2)} | ${median(compileTimes).toFixed(3)} |`;
  console.log(line);
  rows.push(line);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const section = [
  '<!-- bench:expr -->',
  '## expr — compiled conditions vs jexl',
  '',
  'Command: `node --import tsx bench/expr.ts` (also `npm run bench -- expr`).',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}.`,
  `Load average (1 min) when the run started: ${loadAtStart.toFixed(1)}; other work on the machine slows jexl and compiled code alike, so compare the ratios.`,
  `Workload: ${EVENTS} seeded events (bench/lib/rng.ts, seed 42), evaluated round-robin; median of ${RUNS} runs;`,
  'jexl is `evalSync` on an expression compiled once (its fastest synchronous mode), with the same helpers registered.',
  'Every mode is checked to give the same answers before timing. Figures are evaluations per second of process CPU time;',
  '"× jexl" is compiled ÷ jexl (the reference), "÷ hand" is compiled ÷ hand-written JS (1.00 = as fast as hand code).',
  '',
  '| case | expression | jexl evalSync | compiled | hand-written | × jexl | ÷ hand | compile ms |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '<!-- /bench:expr -->',
].join('\n');

writeSection('expr', section);
console.log('wrote the expr section of bench/RESULTS.md');
