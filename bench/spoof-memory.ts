/**
 * bench spoof-memory: 1,000,000 spoofed sources, one probe each, through a
 * distinct-port threshold rule (default max_keys 100,000), with one real
 * scanner among them probing a new port every 40,000 packets. Measures peak
 * RSS of the whole process (`/usr/bin/time -v` around a child, and the
 * child's own maxRSS) and checks the scanner is still reported. Reference in
 * the same run: the same child with the rule's max_keys raised to 2,000,000
 * (no effective bound), and a child that generates the events with no rules.
 *
 *   node --import tsx bench/spoof-memory.ts        (or: npm run bench -- spoof-memory)
 */
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EventClock } from '../src/core/clock.ts';
import { emptyHostFacts } from '../src/core/host.ts';
import { Engine } from '../src/core/engine/engine.ts';
import { loadRulesetFromText } from '../src/core/rules/load.ts';
import type { Hit } from '../src/core/hit.ts';
import type { VigilEvent } from '../src/core/event.generated.ts';
import { writeSection } from './lib/results.ts';

const SOURCES = 1_000_000;
const SCANNER = '10.77.255.254';
const PROBE_EVERY = 40_000;
const RUNS = 5;

interface ChildResult { mode: string; maxRssKb: number; timeRssKb: number | null; scannerHits: number; scannerCount: number | null; hits: number; liveKeys: number; evictions: number; seconds: number; cpuSeconds: number; liveHeapMb: number }

const rule = (maxKeys: number) => `rules:
  - id: port-scan
    description: Many distinct ports from one source within a minute.
    on: [packet]
    when: tcp.flags.syn && !tcp.flags.ack
    type: threshold
    key: [src.ip]
    distinct: dst.port
    count: 20
    window: 60s
    max_keys: ${maxKeys}
`;

function child(mode: string): void {
  // As bin/vigil.js does at start (see there why); one mode keeps V8's default to show the difference.
  if (mode !== 'bounded-pretenuring') setFlagsFromString('--no-allocation-site-pretenuring');
  const clock = new EventClock(0);
  const hits: Hit[] = [];
  const engine = new Engine({ clock, sink: (h) => hits.push(h), host: emptyHostFacts() });
  if (mode !== 'baseline') {
    const r = loadRulesetFromText([{ path: 'bench.yaml', text: rule(mode === 'unbounded' ? 2_000_000 : 100_000) }], { runtime: engine.helpers });
    engine.load(r.ruleset!);
  }
  // One reused event object, as the decoder hands them out.
  const ev = {
    ts: 0, kind: 'packet', input: 'bench', proto: 'tcp', src: { ip: '', port: 40000 }, dst: { ip: '10.77.0.1', port: 80 },
    tcp: { flags: { syn: true, ack: false, str: 'S' } }, bytes: 60, packets: 1,
  } as VigilEvent & { src: { ip: string; port: number }; dst: { ip: string; port: number } };
  const t0 = performance.now();
  const base = 1_764_000_000_000;
  let probe = 0;
  for (let i = 0; i < SOURCES; i++) {
    ev.ts = base + ((i / 20) | 0);
    // 10.0.0.0/8 minus nothing: a distinct address per index (i < 2^24).
    ev.src.ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    ev.dst.port = 1 + (i % 1000);
    engine.feed(ev);
    if (i % PROBE_EVERY === PROBE_EVERY - 1) {
      ev.src.ip = SCANNER;
      ev.dst.port = 20000 + ++probe;
      engine.feed(ev);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = process.cpuUsage().user / 1e6;
  (globalThis as { gc?: () => void }).gc?.();
  const liveHeapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const st = engine.stats();
  const scannerHits = hits.filter((h) => h.src === SCANNER);
  const out: ChildResult = {
    mode, maxRssKb: process.resourceUsage().maxRSS, timeRssKb: null, scannerHits: scannerHits.length,
    scannerCount: scannerHits[0]?.count ?? null, hits: hits.length, liveKeys: st.liveKeys, evictions: st.evictions, seconds, cpuSeconds, liveHeapMb,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runChild(mode: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', '--expose-gc', self, '--child', mode];
  const useTime = existsSync('/usr/bin/time');
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  res.timeRssKb = m ? Number(m[1]) : null;
  return res;
}

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; }
const mb = (kb: number) => (kb / 1024).toFixed(0);

function main(): void {
  const loadAtStart = os.loadavg()[0];
  const res: Record<string, ChildResult[]> = { baseline: [], bounded: [], 'bounded-pretenuring': [], unbounded: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const mode of Object.keys(res)) {
      const c = runChild(mode);
      res[mode].push(c);
      console.log(`run ${r + 1} ${mode}: peak RSS ${mb(c.timeRssKb ?? c.maxRssKb)} MB, live keys ${c.liveKeys}, evictions ${c.evictions}, scanner hits ${c.scannerHits} (count ${c.scannerCount}), ${c.seconds.toFixed(2)} s`);
    }
  }
  const rss = (m: string) => median(res[m].map((c) => c.timeRssKb ?? c.maxRssKb));
  const b = res.bounded.at(-1)!, u = res.unbounded.at(-1)!, bp = res['bounded-pretenuring'].at(-1)!;
  const scannerAlways = res.bounded.every((c) => c.scannerHits === 1);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    '<!-- bench:spoof-memory -->',
    '## spoof-memory — 1,000,000 spoofed sources and one real scanner',
    '',
    `Command: \`node --import tsx bench/spoof-memory.ts\` (also \`npm run bench -- spoof-memory\`). Measured ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.type()} ${os.release()}; load average (1 min) at start ${loadAtStart.toFixed(1)}.`,
    `Workload: one rule (threshold, \`distinct: dst.port\`, count 20, window 60 s, key src.ip); ${SOURCES.toLocaleString('en-US')} SYNs from distinct spoofed sources (20 per ms of event time, one reused event object),`,
    `and a scanner sending one SYN to a new port every ${PROBE_EVERY.toLocaleString('en-US')} spoofed packets (${Math.floor(SOURCES / PROBE_EVERY)} probes, 2 s apart).`,
    `Each mode runs in its own child process, which (but for the row that says otherwise) turns V8's allocation-site pretenuring off as bin/vigil.js does; peak RSS is \`/usr/bin/time -v\`'s "Maximum resident set size" (the child's own \`resourceUsage().maxRSS\` agrees). Median of ${RUNS} runs.`,
    '',
    '| mode | peak RSS (median) | ÷ baseline | live keys | evictions | scanner reported |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| baseline: same events, no rules (reference) | ${mb(rss('baseline'))} MB | 1.00 | 0 | 0 | — |`,
    `| bounded: default max_keys 100,000 | ${mb(rss('bounded'))} MB | ${(rss('bounded') / rss('baseline')).toFixed(2)} | ${b.liveKeys.toLocaleString('en-US')} | ${b.evictions.toLocaleString('en-US')} | ${scannerAlways ? `yes, every run (count ${b.scannerCount})` : 'NO'} |`,
    `| bounded, V8's default allocation-site pretenuring (not how vigil runs) | ${mb(rss('bounded-pretenuring'))} MB | ${(rss('bounded-pretenuring') / rss('baseline')).toFixed(2)} | ${bp.liveKeys.toLocaleString('en-US')} | ${bp.evictions.toLocaleString('en-US')} | ${res['bounded-pretenuring'].every((c) => c.scannerHits === 1) ? 'yes, every run' : 'NO'} |`,
    `| unbounded: max_keys 2,000,000 | ${mb(rss('unbounded'))} MB | ${(rss('unbounded') / rss('baseline')).toFixed(2)} | ${u.liveKeys.toLocaleString('en-US')} | ${u.evictions.toLocaleString('en-US')} | ${u.scannerHits === 1 ? 'yes' : 'no'} |`,
    '',
    `Target: peak RSS < 256 MB with the scanner still reported: ${rss('bounded') < 256 * 1024 && scannerAlways ? 'met' : 'NOT met'}.`,
    '<!-- /bench:spoof-memory -->',
  ].join('\n');
  writeSection('spoof-memory', section);
  console.log(section);
}

const ci = process.argv.indexOf('--child');
if (ci > 0) child(process.argv[ci + 1]); else main();
