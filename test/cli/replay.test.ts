import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { vigil, ROOT } from './run-cli.ts';
import { pcapBytes } from '../../bench/lib/pcap-writer.ts';
import { ethernet, ip, tcp, PROTO } from '../../bench/lib/packets.ts';

const T0 = Date.UTC(2026, 0, 1);
let dir: string;
let capture: string;
let rulesDir: string;

const RULES = `vars:
  sweep_ports: 5
rules:
  - id: test-syn-sweep
    description: A source sends bare SYNs to many ports of this host; used by the CLI tests.
    on: [packet]
    when: tcp.flags.syn && !tcp.flags.ack && is_local(dst.ip)
    type: threshold
    key: [src.ip]
    distinct: dst.port
    count: $sweep_ports
    window: 10s
    severity: high
    tags: [SWEEP]
    message: "{{src.ip}} swept {{count}} ports"
    actions:
      - log: { note: "sweep by {{src.ip}}" }
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const records = [];
  // 10.77.0.9 probes ten ports, 10.77.0.8 two, one frame is not IP at all.
  for (let i = 0; i < 10; i++) records.push({ tsMs: T0 + i * 100, data: ethernet(ip('10.77.0.9', '10.77.0.2', PROTO.TCP, tcp({ sport: 40000 + i, dport: 20 + i, flags: 'S' }))) });
  for (let i = 0; i < 2; i++) records.push({ tsMs: T0 + 1000 + i * 100, data: ethernet(ip('10.77.0.8', '10.77.0.2', PROTO.TCP, tcp({ sport: 41000, dport: 80 + i, flags: 'S' }))) });
  records.push({ tsMs: T0 + 1300, data: ethernet(new Uint8Array(28), { type: 0x0806 }) });
  capture = join(dir, 'sweep.pcap');
  writeFileSync(capture, pcapBytes(records));
  rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'sweep.yaml'), RULES);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const replayArgs = (...extra: string[]) => ['replay', capture, '--rules', rulesDir, '--host', '10.77.0.2', ...extra];

test('replay --format json prints one hit object per line, the hit contract', () => {
  const r = vigil(replayArgs('--format', 'json'));
  assert.equal(r.code, 0, r.stderr);
  const hits = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(hits, [{
    ts: new Date(T0 + 400).toISOString(),
    rule: 'test-syn-sweep',
    key: { 'src.ip': '10.77.0.9' },
    src: '10.77.0.9',
    tags: ['SWEEP'],
    severity: 'high',
    message: '10.77.0.9 swept 5 ports',
    count: 5,
    first_ts: new Date(T0).toISOString(),
    actions: [{ plugin: 'log', params: { note: 'sweep by 10.77.0.9' } }],
  }]);
  assert.equal(Object.hasOwn(hits[0], 'data'), false, 'a rule without `collect` gives a hit without data');
});

test('two replays of the same capture give byte-identical output', () => {
  const a = vigil(replayArgs('--format', 'json'));
  const b = vigil(replayArgs('--format', 'json'));
  assert.equal(a.code, 0);
  assert.ok(a.stdout.length > 0);
  assert.equal(a.stdout, b.stdout);
  const ta = vigil(replayArgs('--format', 'text'));
  assert.equal(ta.stdout, vigil(replayArgs('--format', 'text')).stdout);
  assert.match(ta.stdout, /^2026-01-01T00:00:00\.400Z HIGH test-syn-sweep src=10\.77\.0\.9 10\.77\.0\.9 swept 5 ports count=5 \[SWEEP\] log\(note=sweep by 10\.77\.0\.9\)\n$/);
});

test('the summary on stderr counts packets, events, hits and dropped frames by reason', () => {
  const r = vigil(replayArgs());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^replay: 1 file, 13 packets, 12 events, 1 hits, 1 dropped \(not_ip 1\), \d+\.\d\ds$/m);
});

test('--events prints decoded events; replaying them as JSON lines gives the same hits as the capture', () => {
  const ev = vigil(['replay', capture, '--events', '--format', 'json']);
  assert.equal(ev.code, 0, ev.stderr);
  const lines = ev.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 12);
  const first = JSON.parse(lines[0]) as { kind: string; ts: number; src: { ip: string; port: number }; dst: { ip: string; port: number } };
  assert.deepEqual([first.kind, first.ts, first.src, first.dst], ['packet', T0, { ip: '10.77.0.9', port: 40000 }, { ip: '10.77.0.2', port: 20 }]);
  const jsonl = join(dir, 'events.jsonl');
  writeFileSync(jsonl, ev.stdout);
  const fromJsonl = vigil(['replay', jsonl, '--rules', rulesDir, '--host', '10.77.0.2', '--format', 'json']);
  assert.equal(fromJsonl.code, 0, fromJsonl.stderr);
  assert.equal(fromJsonl.stdout, vigil(replayArgs('--format', 'json')).stdout);
});

test('--var overrides a rule variable; host facts come from --host', () => {
  // An empty output only means "no hit" when the replay itself succeeded and read every packet.
  const replayed = (r: ReturnType<typeof vigil>): string => {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^replay: 1 file, 13 packets, 12 events, /m);
    return r.stdout;
  };
  const over = (v: string) => replayed(vigil(replayArgs('--format', 'json', '--var', `sweep_ports=${v}`)));
  // 10.77.0.9 probes ten distinct ports: a threshold of 11 is never reached, 10 is.
  assert.equal(over('11'), '');
  assert.deepEqual(over('10').trimEnd().split('\n').map((l) => (JSON.parse(l) as { count: number }).count), [10]);
  // With 2, both sources reach it (10.77.0.8 probes two ports).
  assert.deepEqual(over('2').trimEnd().split('\n').map((l) => (JSON.parse(l) as { src: string }).src), ['10.77.0.9', '10.77.0.8']);
  // Without --host the target is not this host: is_local(dst.ip) is false, nothing fires.
  assert.equal(replayed(vigil(['replay', capture, '--rules', rulesDir, '--format', 'json'])), '');
});

test('--actions runs the actions the hits ask for, with the config\'s action settings', () => {
  const out = join(dir, 'hits.jsonl');
  const cfg = join(dir, 'actions.yaml');
  writeFileSync(cfg, `actions:\n  log:\n    path: ${JSON.stringify(out)}\n    format: json\n`);
  const r = vigil(replayArgs('--config', cfg, '--actions', '--format', 'json'));
  assert.equal(r.code, 0, r.stderr);
  const written = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { rule: string; note: string });
  assert.deepEqual(written.map((w) => [w.rule, w.note]), [['test-syn-sweep', 'sweep by 10.77.0.9']]);
  // without --actions nothing is run: the hit only carries its actions as data
  rmSync(out);
  const without = vigil(replayArgs('--config', cfg, '--format', 'json'));
  assert.equal(without.code, 0, without.stderr);
  assert.equal(without.stdout, r.stdout, 'the same hit, with its actions as data');
  assert.throws(() => readFileSync(out), /ENOENT/);
});

test('a file that is neither a capture nor JSON lines is a usage error; a missing one a runtime error', () => {
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
  const r = vigil(['replay', junk]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /junk\.bin: neither a pcap\/pcapng capture \(unknown magic 0xefbeadde\) nor JSON lines/);
  const m = vigil(['replay', join(dir, 'missing.pcap')]);
  assert.equal(m.code, 3);
  assert.match(m.stderr, /missing\.pcap: cannot be read \(ENOENT\)/);
});

test('a bad --config is reported at its line and key, exit 1', () => {
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(cfg, 'host:\n  addreses: [10.77.0.2]\n');
  const r = vigil(replayArgs('--config', cfg));
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), `${cfg}:2:3 config key \`host.addreses\` is not a valid key; did you mean \`addresses\`? [VGL_CONFIG_UNKNOWN_KEY]`);
});

test('rules check on a broken directory exits 1 and locates every error', () => {
  const broken = join(dir, 'broken-rules');
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, 'a.yaml'), RULES.replace('window: 10s', 'window: 10').replace('tcp.flags.syn &&', 'tcp.flags.sin &&'));
  const r = vigil(['rules', 'check', broken]);
  assert.equal(r.code, 1);
  const file = join(broken, 'a.yaml');
  assert.match(r.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:11 rule \`test-syn-sweep\`: \`tcp\\.flags\\.sin\` is not a field; did you mean \`tcp\\.flags\\.syn\`\\?`, 'm'));
  assert.match(r.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:12:13 rule \`test-syn-sweep\`: \`window\` must be a duration`, 'm'));
  assert.match(r.stdout, /^2 errors; the ruleset was not loaded$/m);
  const json = vigil(['rules', 'check', broken, '--json']);
  assert.equal(json.code, 1);
  const diags = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { file: string; line: number; code: string });
  assert.deepEqual(diags.map((d) => [d.file, d.line]), [[file, 7], [file, 12]]);
  const ok = vigil(['rules', 'check', rulesDir]);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, 'ok: 1 rules in 1 files\n');
});

test('rules list shows each rule with its location', () => {
  const r = vigil(['rules', 'list', rulesDir, '--json']);
  assert.equal(r.code, 0);
  const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; type: string; where: string });
  assert.deepEqual(rows.map((x) => [x.id, x.type, x.where]), [['test-syn-sweep', 'threshold', `${join(rulesDir, 'sweep.yaml')}:4`]]);
});

test('rules test runs the stock test cases and passes', () => {
  const r = vigil(['rules', 'test', join(import.meta.dirname ?? '', '..', '..', 'rules', 'learner')]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^PASS  learner\/tests\/new-peers|^PASS  tests\/new-peers/m);
});

test('rules test with no directory runs every stock pack\'s cases with all packs loaded, and each case judges its own pack', () => {
  const r = vigil(['rules', 'test']);
  assert.equal(r.code, 0, r.stdout);
  for (const pack of ['learner', 'portscan', 'scanlogd']) assert.match(r.stdout, new RegExp(`^PASS  (rules/)?${pack}/tests/`, 'm'));
  assert.doesNotMatch(r.stdout, /^FAIL/m);
});

test('a site plugin named in the config is loaded, its params checked at rule load, and run by replay --actions', () => {
  const csv = join(dir, 'site-hits.csv');
  const cfg = join(dir, 'site.yaml');
  const siteRules = join(dir, 'site-rules');
  mkdirSync(siteRules, { recursive: true });
  writeFileSync(join(siteRules, 'sweep.yaml'), RULES.replace('      - log: { note: "sweep by {{src.ip}}" }', '      - csv-hits: {}'));
  writeFileSync(cfg, `plugins:\n  dirs: [${JSON.stringify(join(ROOT, 'examples', 'plugins'))}]\nactions:\n  csv-hits:\n    path: ${JSON.stringify(csv)}\n`);
  const r = vigil(['replay', capture, '--rules', siteRules, '--host', '10.77.0.2', '--config', cfg, '--actions', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(csv, 'utf8'), 'time,rule,severity,src,count,message\n2026-01-01T00:00:00.400Z,test-syn-sweep,high,10.77.0.9,5,10.77.0.9 swept 5 ports\n');
  // a param the plugin does not accept is a rule-load error
  writeFileSync(join(siteRules, 'sweep.yaml'), RULES.replace('      - log: { note: "sweep by {{src.ip}}" }', '      - csv-hits: { colour: red }'));
  const bad = vigil(['rules', 'check', siteRules, '--config', cfg]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /colour/);
});

test('a broken site plugin is logged with its file and VGL_PLUGIN_INVALID, and the replay goes on without it', () => {
  const plugins = join(dir, 'broken-plugins');
  mkdirSync(plugins, { recursive: true });
  writeFileSync(join(plugins, 'half-written.mjs'), 'export default { kind: "action", name: "half-written" };\n');
  const cfg = join(dir, 'broken-plugins.yaml');
  writeFileSync(cfg, `plugins:\n  dirs: [${JSON.stringify(plugins)}]\n`);
  const r = vigil(['replay', capture, '--rules', rulesDir, '--host', '10.77.0.2', '--config', cfg, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, vigil(replayArgs('--format', 'json')).stdout);
  const logged = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { code?: string; plugin?: string; msg: string });
  const line = logged.find((l) => l.code === 'VGL_PLUGIN_INVALID');
  assert.ok(line, r.stderr);
  assert.equal(line.plugin, join(plugins, 'half-written.mjs'));
  assert.match(line.msg, /is not a valid plugin: .*; it is not loaded$/);
});

test('gzip-compressed captures are recognised by their content; "-" reads a capture with --stdin-format pcap', () => {
  const gz = join(dir, 'sweep.bin');
  writeFileSync(gz, gzipSync(readFileSync(capture)));
  const plain = vigil(replayArgs('--format', 'json')).stdout;
  assert.equal(vigil(['replay', gz, '--rules', rulesDir, '--host', '10.77.0.2', '--format', 'json']).stdout, plain);
  const piped = vigil(['replay', '-', '--stdin-format', 'pcap', '--rules', rulesDir, '--host', '10.77.0.2', '--format', 'json'], { input: readFileSync(capture) });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, plain);
});
