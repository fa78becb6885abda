// The timed "vigil pipeline" of bench/replay.ts: one pass of a capture
// through the compiled dist/ build, as production runs it (capture reader →
// decoder → engine, rules loaded by the rule loader with the stock action
// plugins), in plain Node without tsx. Plain JavaScript because Node 20 runs
// no TypeScript by itself; bench/replay.ts builds dist/ first when it is
// older than src/.
//
//   node bench/lib/replay-worker.mjs [--passes N] FILE HOSTS_JSON RULE_DIR...
//
// HOSTS_JSON: {"addresses": [...], "tcp": [...], "udp": [...]}. Prints one
// JSON line: packets, wall and CPU milliseconds (timed from inside, so Node
// start-up is excluded), hits, live keys, evictions, maxRssMb and, per
// accused source address, the tags of its hits. With --passes N the capture
// is replayed N times in the one process, each pass with a fresh engine and
// decoder; the figures are the last pass's (`passes` lists every pass's
// times): a first pass includes V8 compiling the hot code, a later one shows
// the rate a long-running vigil keeps.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// As bin/vigil.js does at start (see there why).
setFlagsFromString('--no-allocation-site-pretenuring');

const DIST = join(import.meta.dirname, '..', '..', 'dist');
/** @param {string} rel */
const load = (rel) => import(pathToFileURL(join(DIST, rel)).href);

const argv = process.argv.slice(2);
const passesAt = argv.indexOf('--passes');
const PASSES = passesAt >= 0 ? Number(argv.splice(passesAt, 2)[1]) : 1;
const [file, hostsJson, ...rules] = argv;
if (!file || !hostsJson || rules.length === 0) {
  console.error('usage: node bench/lib/replay-worker.mjs [--passes N] FILE HOSTS_JSON RULE_DIR...');
  process.exit(2);
}

const { readCaptureFile } = await load('core/decode/capture-file.js');
const { PacketDecoder } = await load('core/decode/decoder.js');
const { Engine } = await load('core/engine/engine.js');
const { EventClock } = await load('core/clock.js');
const { emptyHostFacts } = await load('core/host.js');
const { loadRuleset } = await load('core/rules/load.js');
const { formatDiagnostic } = await load('core/rules/diagnostics.js');
const { STOCK_PLUGINS } = await load('plugins/registry.js');

/** @type {{ addresses: string[], tcp: number[], udp: number[] }} */
const hosts = JSON.parse(hostsJson);
const host = emptyHostFacts({
  addresses: new Set(hosts.addresses),
  listening: { tcp: new Set(hosts.tcp), udp: new Set(hosts.udp) },
});
const actions = new Map(STOCK_PLUGINS.flatMap((/** @type {{ kind: string, name: string, paramsSchema?: unknown }} */ p) => (p.kind === 'action' ? [[p.name, { paramsSchema: p.paramsSchema }]] : [])));

/** One pass: a fresh engine (rules loaded and compiled again) and decoder over the whole capture. */
async function pass() {
  /** @type {Map<string, Set<string>>} */
  const accused = new Map();
  let hits = 0;
  const engine = new Engine({
    clock: new EventClock(0), host,
    /** @param {{ src?: string, tags: readonly string[] }} h */
    sink: (h) => {
      hits++;
      if (!h.src) return;
      let s = accused.get(h.src);
      if (!s) accused.set(h.src, (s = new Set()));
      for (const t of h.tags) s.add(t);
    },
  });
  const r = loadRuleset(rules, { runtime: engine.helpers, actions });
  if (!r.ruleset) {
    console.error(`rules did not load:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
    process.exit(1);
  }
  engine.load(r.ruleset);
  const d = new PacketDecoder({ input: 'pcapfile' });
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const s = await readCaptureFile(file, (/** @type {any} */ p) => {
    const ev = d.decodeAt(p.linktype, p.buf, p.offset, p.caplen, p.origLen, p.tsMs, p.iface);
    if (ev !== null) engine.feed(ev);
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  const st = engine.stats(); if (process.env.RULESTATS) for (const r of st.rules) console.error(r.id, r.matches, r.hits, r.evictions ?? "", r.keys ?? r.liveKeys ?? "");
  engine.close();
  return {
    packets: s.packets, ms, cpuMs: (c.user + c.system) / 1000, hits, liveKeys: st.liveKeys, evictions: st.evictions,
    accused: Object.fromEntries([...accused].map(([k, v]) => [k, [...v].sort()])),
  };
}

// Earlier passes warm the JIT up: the last one shows the steady state a long-running vigil reaches.
const passes = [];
for (let i = 0; i < PASSES; i++) passes.push(await pass());
const last = passes[passes.length - 1];
process.stdout.write(JSON.stringify({
  ...last, maxRssMb: process.resourceUsage().maxRSS / 1024,
  passes: passes.map((x) => ({ ms: x.ms, cpuMs: x.cpuMs })),
}) + '\n');
