/**
 * bench soak: is `vigil run` in its default mode (the procnet socket-table
 * poller, the stock rules, vigil.db) safe to leave running? The real CLI runs
 * as a child process (`node bin/vigil.js run --config F`, dist/ or tsx as
 * bin/vigil.js decides) with a 100 ms poll while this process churns sockets
 * on loopback only: TCP servers on 127.0.0.1 and ::1, clients opening and
 * closing connections at a steady rate, and short-lived UDP sockets. Every
 * second the child's RSS is read from /proc/<pid>/status; every few seconds
 * its /metrics are scraped. At the end the child gets SIGTERM and must exit 0.
 *
 *   node --import tsx bench/soak.ts [--seconds N] [--rate N] [--no-write]
 *
 * The verdict is the RSS slope over the second half of the run: the first
 * minute fills the kernel's TIME_WAIT list (60 s on Linux), so procnet's table
 * only reaches its steady size after that; a run of 60 s or less therefore
 * measures the fill, and the recorded run is longer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { get } from 'node:http';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/dist-fresh.mjs';
import { markedSection, writeSection } from './lib/results.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string, d: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : d;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const SECONDS = Math.round(opt('seconds', 60));
const TCP_PER_S = opt('rate', 200);
const UDP_PER_S = 20;
const POLL = '100ms';
const WARMUP_S = Math.min(10, Math.floor(SECONDS / 4));
const SCRAPE_EVERY_S = 5;
const HOLD_MS: readonly [number, number] = [150, 350]; // longer than a poll, so procnet can see most sockets
const MAX_OPEN = 400; // in-flight connections at most: a stalled server must not make the bench pile up sockets
const SLOPE_LIMIT_MB_PER_MIN = 1;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hold = () => HOLD_MS[0] + Math.random() * (HOLD_MS[1] - HOLD_MS[0]);
const noop = (): void => {};

/** Every address this bench sends to passes here: nothing may leave loopback. */
function assertLoopback(host: string): string {
  if (!(host === '::1' || (isIP(host) === 4 && host.startsWith('127.')))) throw new Error(`refusing non-loopback address ${host}`);
  return host;
}

// ---------------------------------------------------------------- the child

/** A free loopback port for the metrics endpoint (vigil does not log a port it picked itself from 0 in a way worth parsing). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r, j) => { s.once('error', j); s.listen(0, '127.0.0.1', r); });
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function writeConfig(dir: string, metricsPort: number): string {
  const file = join(dir, 'vigil.yaml');
  // The embedded default (config/default.yaml) with a short poll, a private data_dir and metrics.
  writeFileSync(file, [
    `data_dir: ${join(dir, 'data')}`,
    'rules:',
    '  stock: true',
    'inputs:',
    '  - use: procnet',
    `    interval: ${POLL}`,
    'hits:',
    '  print: text',
    'log:',
    '  level: info',
    'metrics:',
    `  listen: "127.0.0.1:${metricsPort}"`,
    '',
  ].join('\n'));
  return file;
}

interface Child { proc: ChildProcess; pid: number; stdoutPath: string; stderrPath: string }

function startChild(config: string, dir: string): Child {
  const stdoutPath = join(dir, 'stdout.txt'), stderrPath = join(dir, 'stderr.jsonl');
  // Files rather than pipes: the child never blocks on a reader that is busy churning sockets.
  const out = openSync(stdoutPath, 'w'), err = openSync(stderrPath, 'w');
  try {
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'run', '--config', config], { cwd: dir, stdio: ['ignore', out, err] });
    if (proc.pid === undefined) throw new Error('vigil did not start');
    return { proc, pid: proc.pid, stdoutPath, stderrPath };
  } finally { closeSync(out); closeSync(err); }
}

const alive = (c: Child): boolean => c.proc.exitCode === null && c.proc.signalCode === null;

async function waitReady(c: Child): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive(c)) throw new Error(`vigil exited during start-up (code ${c.proc.exitCode}); its log:\n${readFileSync(c.stderrPath, 'utf8').slice(-2000)}`);
    if (readFileSync(c.stderrPath, 'utf8').includes('"vigil running"')) return;
    await sleep(200);
  }
  throw new Error(`vigil did not log "vigil running" within ${READY_TIMEOUT_MS / 1000} s`);
}

interface Stopped { code: number | null; signal: string | null; ms: number; killed: boolean }

async function stopChild(c: Child): Promise<Stopped> {
  const t0 = Date.now();
  if (!alive(c)) return { code: c.proc.exitCode, signal: c.proc.signalCode, ms: 0, killed: false };
  const exited = new Promise<void>((r) => c.proc.once('exit', () => r()));
  process.kill(c.pid, 'SIGTERM');
  await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  let killed = false;
  if (alive(c)) { killed = true; process.kill(c.pid, 'SIGKILL'); await Promise.race([exited, sleep(5_000)]); }
  return { code: c.proc.exitCode, signal: c.proc.signalCode, ms: Date.now() - t0, killed };
}

/** VmRSS of `pid` in MB, or null once it is gone. */
function rssMb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch { return null; }
}

type Metrics = Map<string, number>;

/** One scrape of /metrics (unlabelled series only, which is all vigil serves), or null on any failure. */
function scrape(port: number): Promise<Metrics | null> {
  return new Promise((resolve) => {
    const req = get({ host: assertLoopback('127.0.0.1'), port, path: '/metrics', timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 ? parseMetrics(body) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

function parseMetrics(text: string): Metrics {
  const m: Metrics = new Map();
  for (const line of text.split('\n')) {
    const x = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (x) m.set(x[1], Number(x[2]));
  }
  return m;
}

interface LogSummary { lines: number; warn: number; error: number; notJson: number; messages: string[] }

/** Counts the child's JSON log lines by pino level (40 warn, 50 error, 60 fatal) and keeps the distinct messages at warn and above. */
function summariseLog(path: string): LogSummary {
  const s: LogSummary = { lines: 0, warn: 0, error: 0, notJson: 0, messages: [] };
  const seen = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    s.lines++;
    let rec: { level?: unknown; msg?: unknown };
    try { rec = JSON.parse(line) as typeof rec; } catch { s.notJson++; continue; }
    const level = typeof rec.level === 'number' ? rec.level : 0;
    if (level >= 50) s.error++; else if (level >= 40) s.warn++; else continue;
    const msg = `[${level}] ${String(rec.msg).slice(0, 160)}`;
    if (!seen.has(msg) && seen.size < 8) { seen.add(msg); s.messages.push(msg); }
  }
  return s;
}

const fileSize = (p: string): number => (existsSync(p) ? statSync(p).size : 0);

/** Rows in the kernel's socket tables now: a run started soon after another inherits its TIME_WAIT entries, which procnet reports too. */
function kernelSockets(): number {
  let n = 0;
  for (const t of ['tcp', 'tcp6', 'udp', 'udp6']) {
    try { n += readFileSync(`/proc/net/${t}`, 'latin1').split('\n').filter((l) => l.trim()).length - 1; } catch { /* table absent (no IPv6) */ }
  }
  return n;
}

// ---------------------------------------------------------------- the churn

interface ChurnCounts { tcpOpened: number; tcpClosed: number; tcpErrors: number; tcpSkipped: number; udpSockets: number; udpErrors: number }

interface Endpoint { host: string; port: number }

async function listenTcp(host: string): Promise<{ server: Server; ep: Endpoint } | null> {
  const server = createServer((s: Socket) => {
    s.on('error', noop);
    s.on('end', () => s.end()); // the client closes first, as a browser or API client usually does
    s.resume();
  });
  try {
    await new Promise<void>((r, j) => { server.once('error', j); server.listen(0, assertLoopback(host), r); });
  } catch { return null; } // no IPv6 on this host: the bench goes on with IPv4
  return { server, ep: { host, port: (server.address() as { port: number }).port } };
}

async function bindUdp(host: string): Promise<{ sock: UdpSocket; ep: Endpoint } | null> {
  const sock = createSocket(host === '::1' ? 'udp6' : 'udp4');
  sock.on('error', noop);
  try {
    await new Promise<void>((r, j) => { sock.once('error', j); sock.bind(0, assertLoopback(host), r); });
  } catch { sock.close(); return null; }
  sock.on('message', noop);
  return { sock, ep: { host, port: sock.address().port } };
}

/** Servers on loopback and a steady stream of short-lived clients to them; bounded in rate, in open sockets and in time (stop()). */
class Churn {
  readonly counts: ChurnCounts = { tcpOpened: 0, tcpClosed: 0, tcpErrors: 0, tcpSkipped: 0, udpSockets: 0, udpErrors: 0 };
  private tcp: Endpoint[] = [];
  private udp: Endpoint[] = [];
  private servers: Server[] = [];
  private udpServers: UdpSocket[] = [];
  private open = new Set<Socket>();
  private openUdp = new Set<UdpSocket>();
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private udpMade = 0;
  families: string[] = [];

  async start(): Promise<void> {
    for (const host of ['127.0.0.1', '127.0.0.1', '::1', '::1']) {
      const l = await listenTcp(host);
      if (l) { this.servers.push(l.server); this.tcp.push(l.ep); }
    }
    for (const host of ['127.0.0.1', '::1']) {
      const b = await bindUdp(host);
      if (b) { this.udpServers.push(b.sock); this.udp.push(b.ep); }
    }
    if (!this.tcp.length) throw new Error('no loopback TCP server could listen');
    this.families = [...new Set(this.tcp.map((e) => (e.host === '::1' ? 'IPv6' : 'IPv4')))];
    this.t0 = Date.now();
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Opens what the schedule says is due by now, so timer lag does not lower the rate; at most 20 per tick. */
  private tick(): void {
    const elapsed = (Date.now() - this.t0) / 1000;
    const tcpDue = Math.min(20, Math.floor(elapsed * TCP_PER_S) - this.counts.tcpOpened - this.counts.tcpSkipped);
    for (let i = 0; i < tcpDue; i++) this.openTcp();
    const udpDue = Math.min(5, Math.floor(elapsed * UDP_PER_S) - this.udpMade);
    for (let i = 0; i < udpDue; i++) this.openUdpClient();
  }

  private openTcp(): void {
    if (this.open.size >= MAX_OPEN) { this.counts.tcpSkipped++; return; }
    const ep = this.tcp[(this.counts.tcpOpened + this.counts.tcpSkipped) % this.tcp.length];
    const c = connect({ host: assertLoopback(ep.host), port: ep.port });
    this.counts.tcpOpened++;
    this.open.add(c);
    c.setTimeout(5_000, () => c.destroy());
    c.on('error', () => { this.counts.tcpErrors++; });
    c.on('connect', () => { c.write('x'); setTimeout(() => c.end(), hold()); });
    c.on('data', noop);
    c.on('close', () => { this.open.delete(c); this.counts.tcpClosed++; });
  }

  private openUdpClient(): void {
    this.udpMade++;
    if (!this.udp.length) return;
    const ep = this.udp[this.udpMade % this.udp.length];
    const s = createSocket(ep.host === '::1' ? 'udp6' : 'udp4');
    this.openUdp.add(s);
    const close = (): void => { if (this.openUdp.delete(s)) s.close(); };
    s.on('error', () => { this.counts.udpErrors++; close(); });
    // Bound to loopback, so the socket table lists it with a loopback local address.
    s.bind(0, assertLoopback(ep.host), () => {
      this.counts.udpSockets++;
      s.send('x', ep.port, assertLoopback(ep.host));
      setTimeout(close, hold());
    });
  }

  /** Stops opening, waits (bounded) for the clients to finish, and closes everything. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (let i = 0; i < 40 && (this.open.size || this.openUdp.size); i++) await sleep(50);
    for (const c of this.open) c.destroy();
    for (const s of this.openUdp) s.close();
    this.openUdp.clear();
    for (const s of this.servers) s.close();
    for (const s of this.udpServers) s.close();
  }
}

// ---------------------------------------------------------------- sampling

interface RssSample { t: number; mb: number }
interface Scrape { t: number; m: Metrics }

/** Least-squares slope of the samples, in MB per minute. */
function slopeMbPerMin(xs: readonly RssSample[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mt = xs.reduce((a, x) => a + x.t, 0) / n, mm = xs.reduce((a, x) => a + x.mb, 0) / n;
  let num = 0, den = 0;
  for (const x of xs) { num += (x.t - mt) * (x.mb - mm); den += (x.t - mt) ** 2; }
  return den ? (num / den) * 60 : 0;
}

/** One sample per second for SECONDS seconds (on a fixed schedule), a scrape every SCRAPE_EVERY_S; stops early if the child dies. */
async function sample(c: Child, metricsPort: number): Promise<{ rss: RssSample[]; scrapes: Scrape[]; scrapeFailures: number }> {
  const rss: RssSample[] = [], scrapes: Scrape[] = [];
  let scrapeFailures = 0;
  const t0 = Date.now();
  for (let i = 1; i <= SECONDS; i++) {
    await sleep(Math.max(0, t0 + i * 1000 - Date.now()));
    const mb = rssMb(c.pid);
    if (mb === null || !alive(c)) break;
    rss.push({ t: i, mb });
    if (i % SCRAPE_EVERY_S === 0 || i === SECONDS) {
      const m = await scrape(metricsPort);
      if (m) scrapes.push({ t: i, m }); else scrapeFailures++;
    }
  }
  return { rss, scrapes, scrapeFailures };
}

// ---------------------------------------------------------------- report

const fmtInt = (n: number | undefined): string => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const fmtMb = (n: number): string => `${n.toFixed(1)} MB`;

interface Outcome {
  ranFrom: string; kernelAtStart: number; loadStart: number; loadEnd: number; families: string[];
  rss: RssSample[]; scrapes: Scrape[]; scrapeFailures: number; churn: ChurnCounts;
  stopped: Stopped; log: LogSummary; hitLines: number; dbBytes: number; secondsRun: number;
}

function metricRow(s: Scrape, rss: readonly RssSample[]): string {
  const mb = rss.find((x) => x.t === s.t)?.mb ?? NaN;
  const g = (k: string) => fmtInt(s.m.get(k));
  return `| ${s.t} s | ${fmtMb(mb)} | ${g('vigil_procnet_sockets')} | ${g('vigil_procnet_untracked')} | ${g('vigil_engine_events_total')} | ${g('vigil_engine_live_keys')} | ${g('vigil_engine_hits_total')} |`;
}

/** Up to 6 scrapes spread over the run, the last one included. */
function timeline(scrapes: readonly Scrape[]): Scrape[] {
  if (scrapes.length <= 6) return [...scrapes];
  const step = (scrapes.length - 1) / 5;
  return Array.from({ length: 6 }, (_, i) => scrapes[Math.round(i * step)]);
}

function buildSection(o: Outcome): string {
  const afterWarm = o.rss.filter((x) => x.t >= WARMUP_S);
  const start = afterWarm[0]?.mb ?? NaN, end = o.rss[o.rss.length - 1]?.mb ?? NaN;
  const peak = Math.max(...o.rss.map((x) => x.mb));
  const half = o.rss.filter((x) => x.t > o.secondsRun / 2);
  const slope = slopeMbPerMin(half);
  const last = o.scrapes[o.scrapes.length - 1]?.m ?? new Map<string, number>();
  const g = (k: string) => last.get(k);
  const churned = o.churn.tcpOpened * 2 + o.churn.udpSockets; // a TCP connection is two sockets: the client's and the accepted one
  const problems = (['vigil_procnet_read_errors_total', 'vigil_procnet_bad_lines_total', 'vigil_pipeline_input_failures_total', 'vigil_pipeline_refused_events_total',
    'vigil_engine_action_errors_total', 'vigil_first_seen_write_failures_total', 'vigil_first_seen_dropped_total', 'vigil_actions_failures_total'] as const)
    .map((k) => `${k.replace(/^vigil_/, '')} ${fmtInt(g(k))}`).join(', ');
  const cleanExit = o.stopped.code === 0 && !o.stopped.killed;
  const bounded = slope < SLOPE_LIMIT_MB_PER_MIN;
  const verdict = `RSS slope over the second half: ${slope.toFixed(2)} MB/min, ${bounded ? 'under' : '**over**'} the ${SLOPE_LIMIT_MB_PER_MIN} MB/min threshold; `
    + `exit on SIGTERM: ${cleanExit ? 'code 0' : `**code ${o.stopped.code}, signal ${o.stopped.signal}${o.stopped.killed ? ', had to be killed' : ''}**`}; `
    + `log lines at error or above: ${o.log.error === 0 ? 'none' : `**${o.log.error}**`}. `
    + (bounded && cleanExit && o.log.error === 0 && o.secondsRun > 120 ? 'Verdict: safe to leave running under this churn.' : o.secondsRun <= 120 ? 'Verdict: this run is too short to judge the slope (the TIME_WAIT fill takes the first minute); see a run of more than 120 s.' : 'Verdict: **not shown safe** by this run (see above).');
  return markedSection('soak', [
    '## soak — `vigil run` (default procnet mode) under loopback socket churn',
    '',
    `Command: \`node --import tsx bench/soak.ts --seconds ${SECONDS}\` (also \`npm run bench -- soak\`, 60 s). Measured ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Linux ${release()}; load average (1 min) ${o.loadStart.toFixed(1)} at start, ${o.loadEnd.toFixed(1)} at the end (the bench itself and vigil account for part of it).`,
    `vigil: \`node bin/vigil.js run --config vigil.yaml\` as a child process, ${o.ranFrom}; config = config/default.yaml with \`procnet\` polling every ${POLL}, the stock rules, data_dir and metrics (127.0.0.1) in a temp dir.`,
    `Churn (loopback only, ${o.families.join(' and ')}): ${TCP_PER_S} TCP connections/s to 4 local servers (each sends a byte and closes after ${HOLD_MS[0]}–${HOLD_MS[1]} ms, client first, so each leaves a TIME_WAIT entry for 60 s; at most ${MAX_OPEN} open), ${UDP_PER_S} UDP sockets/s (bound, one datagram to a local UDP socket, closed after the same hold).`,
    `Sockets already in the kernel tables when vigil started: ${o.kernelAtStart.toLocaleString('en-US')} (procnet reports them as they go, so a run soon after another starts with the last one's TIME_WAIT entries).`,
    `Measured: VmRSS from /proc/<pid>/status every second, /metrics every ${SCRAPE_EVERY_S} s, for ${o.secondsRun} s; start = first sample after ${WARMUP_S} s of warm-up; slope = least squares over the second half. Then SIGTERM.`,
    '',
    '| RSS at start | peak | at end | slope, second half |',
    '| ---: | ---: | ---: | ---: |',
    `| ${fmtMb(start)} | ${fmtMb(peak)} | ${fmtMb(end)} | ${slope.toFixed(2)} MB/min |`,
    '',
    '| time | RSS | procnet sockets | untracked | engine events | live keys | hits |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...timeline(o.scrapes).map((s) => metricRow(s, o.rss)),
    '',
    `Sockets churned: ${churned.toLocaleString('en-US')} (${fmtInt(o.churn.tcpOpened)} TCP connections, ${fmtInt(o.churn.tcpErrors)} failed, ${fmtInt(o.churn.tcpSkipped)} skipped at the open cap; ${fmtInt(o.churn.udpSockets)} UDP sockets, ${fmtInt(o.churn.udpErrors)} failed). `
      + `vigil: ${fmtInt(g('vigil_procnet_polls_total'))} polls, ${fmtInt(g('vigil_pipeline_events_total'))} events from inputs, ${fmtInt(g('vigil_engine_events_total'))} evaluated by the engine `
      + `(${(Number(g('vigil_engine_events_total') ?? 0) / Math.max(1, churned)).toFixed(2)} per churned socket; 2 = each seen appearing and going), ${fmtInt(g('vigil_engine_hits_total'))} hits (${o.hitLines} lines on stdout), ${fmtInt(g('vigil_engine_evictions_total'))} evictions.`,
    `Problem counters at the last scrape: ${problems}. Scrapes that failed: ${o.scrapeFailures}.`,
    `Child log: ${o.log.lines} lines, ${o.log.warn} at warn, ${o.log.error} at error or above, ${o.log.notJson} not JSON${o.log.messages.length ? `; distinct: ${o.log.messages.map((m) => `\`${m.replace(/`/g, "'")}\``).join('; ')}` : ''}. `
      + `vigil.db after exit: ${(o.dbBytes / 1024).toFixed(0)} KiB with its WAL. SIGTERM to exit: ${o.stopped.ms} ms.`,
    '',
    verdict,
  ].join('\n'));
}

// ---------------------------------------------------------------- main

async function main(dir: string, setChild: (c: Child) => void): Promise<Outcome> {
  const loadStart = loadavg()[0];
  const kernelAtStart = kernelSockets();
  const metricsPort = await freePort();
  const config = writeConfig(dir, metricsPort);
  const freshBefore = distIsFresh(ROOT);
  const child = startChild(config, dir);
  setChild(child);
  await waitReady(child);
  console.log(`vigil running as pid ${child.pid} (${freshBefore ? 'dist/' : 'tsx'}), metrics on 127.0.0.1:${metricsPort}; churning for ${SECONDS} s`);
  const churn = new Churn();
  let sampled: Awaited<ReturnType<typeof sample>>;
  try {
    await churn.start();
    sampled = await sample(child, metricsPort);
  } finally { await churn.stop(); }
  const stopped = await stopChild(child);
  console.log(`RSS every 10 s (MB): ${sampled.rss.filter((x) => x.t % 10 === 0).map((x) => x.mb.toFixed(0)).join(' ')}`);
  const freshAfter = distIsFresh(ROOT);
  const ranFrom = freshBefore ? (freshAfter ? 'which ran the compiled dist/' : 'which ran dist/ (src/ changed during the run)') : 'which ran the sources through tsx (dist/ was older than src/)';
  const db = join(dir, 'data', 'vigil.db');
  return {
    ranFrom, kernelAtStart, loadStart, loadEnd: loadavg()[0], families: churn.families, ...sampled, churn: churn.counts, stopped,
    log: summariseLog(child.stderrPath), hitLines: readFileSync(child.stdoutPath, 'utf8').split('\n').filter((l) => l.trim()).length,
    dbBytes: fileSize(db) + fileSize(`${db}-wal`) + fileSize(`${db}-shm`), secondsRun: sampled.rss.length,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-soak-'));
let child: Child | null = null;
/** Kills the child (by its pid, and only if it still runs) and removes the temp dir; safe to call twice. */
function cleanup(): void {
  if (child && alive(child)) { try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ } }
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { cleanup(); process.exit(130); });

let exitCode = 0;
try {
  const o = await main(dir, (c) => { child = c; });
  const section = buildSection(o);
  console.log(section);
  if (o.stopped.code !== 0) exitCode = 1;
  if (!args.includes('--no-write')) writeSection('soak', section);
} catch (e) {
  console.error(`bench soak failed: ${(e as Error).stack ?? String(e)}`);
  exitCode = 1;
} finally {
  cleanup();
}
process.exit(exitCode);
