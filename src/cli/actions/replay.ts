/**
 * `vigil replay FILE…`: run capture files or JSON lines through the rules
 * on their own event time. Same input, same output, byte for byte: the
 * clock follows the events and nothing reads the wall clock or the disk
 * state of a previous run (first_seen memory is in-memory here).
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { extname } from 'node:path';
import { isIP } from 'node:net';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { isListenSpec } from '../../core/config/schema.ts';
import { parseCidr } from '../../core/net/cidr.ts';
import { SingleBar, Presets } from 'cli-progress';
import { EventClock } from '../../core/clock.ts';
import { Engine } from '../../core/engine/engine.ts';
import { loadRuleset } from '../../core/rules/load.ts';
import { hasErrors } from '../../core/rules/diagnostics.ts';
import { hitToJson, type Hit } from '../../core/hit.ts';
import type { VigilEvent } from '../../core/event.generated.ts';
import { Pipeline, type EventConsumer } from '../../core/pipeline.ts';
import { MetricsRegistry } from '../../core/metrics/registry.ts';
import { KvStore } from '../../core/store/kv.ts';
import { openDatabase } from '../../core/store/database.ts';
import { buildHostFacts } from '../../core/host-live.ts';
import { instantiate, currentRunEnv, requestFromRef, type Instance } from '../../core/plugins/instantiate.ts';
import type { PluginServices } from '../../core/plugins/context.ts';
import { ActionRunner } from '../../core/plugins/action-runner.ts';
import { hitText, eventText } from '../../core/plugins/hit-text.ts';
import { LineOut } from '../render/line-out.ts';
import { pipeCaptureInput, pipeJsonlInput } from '../pipe-input.ts';
import { isCaptureMagic } from '../../core/decode/capture-file.ts';
import { isGzip } from '../../core/decode/byte-source.ts';
import { summaryLine } from '../render/summary.ts';
import { EXIT, CliExit } from '../exit.ts';
import { loadConfigOrExit, ruleDirs, varOverrides, makeLogger, buildCatalog, actionSchemas, printDiagnostics, type CommonFlags } from '../setup.ts';

export interface ReplayFlags extends CommonFlags {
  format: 'json' | 'text';
  events?: boolean;
  host?: string[];
  gateway?: string[];
  listen?: string[];
  allow?: string[];
  actions?: boolean;
  progress?: boolean;
  stdinFormat: 'jsonl' | 'pcap';
}

type Format = 'pcapfile' | 'jsonl';

/** A path that is not a regular file (a named pipe): the bytes read to find its format, and the still open descriptor to read the rest from. */
interface PipeHead { readonly fd: number; readonly head: Buffer }

/**
 * `pcapfile` for pcap/pcapng (by magic), `jsonl` for JSON lines (by extension or a leading `{`).
 * A pipe's first bytes are consumed by the look: replay itself keeps them (see `sniff`).
 */
export function sniffFormat(path: string, stdinFormat: 'jsonl' | 'pcap' = 'jsonl'): Format {
  const s = sniff(path, stdinFormat);
  if (s.pipe) closeSync(s.pipe.fd);
  return s.format;
}

const SNIFF_BYTES = 64 * 1024;

function sniff(path: string, stdinFormat: 'jsonl' | 'pcap'): { format: Format; pipe: PipeHead | null } {
  if (path === '-') return { format: stdinFormat === 'pcap' ? 'pcapfile' : 'jsonl', pipe: null };
  const unreadable = (e: unknown): CliExit =>
    new CliExit(EXIT.RUNTIME, `${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the path and its permissions`);
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (e) { throw unreadable(e); }
  const head = Buffer.alloc(SNIFF_BYTES);
  let n = 0;
  let pipe: PipeHead | null = null;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new CliExit(EXIT.RUNTIME, `${path}: is a directory; replay takes capture or JSON-lines files (for a directory of them: ${path}/*)`);
    if (st.isFile()) n = readSync(fd, head, 0, head.length, 0);
    else {
      // A pipe cannot be read at a position nor twice: read just enough from its start to decide, and keep those bytes.
      n = readPipeHead(fd, head);
      pipe = { fd, head: head.subarray(0, n) };
    }
  } catch (e) {
    closeSync(fd);
    throw e instanceof CliExit ? e : unreadable(e);
  }
  if (!pipe) closeSync(fd);
  try {
    return { format: formatOf(path, head, n), pipe };
  } catch (e) {
    if (pipe) closeSync(pipe.fd);
    throw e;
  }
}

/** Reads from a pipe until the format can be told (a few bytes, or a little text), its end, or SNIFF_BYTES. */
function readPipeHead(fd: number, buf: Buffer): number {
  let n = 0;
  for (;;) {
    let got: number;
    try { got = readSync(fd, buf, n, buf.length - n, null); } catch (e) {
      // A descriptor some writer left non-blocking: wait a little rather than spin.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (got === 0) return n;
    n += got;
    if (n === buf.length || decidable(buf, n)) return n;
  }
}

function decidable(buf: Buffer, n: number): boolean {
  let b = buf.subarray(0, n);
  if (isGzip(b, n)) {
    try { b = gunzipSync(b, { finishFlush: zlibConstants.Z_SYNC_FLUSH }); } catch { return true; }
  }
  return b.length >= 4 && /\S/.test(b.toString('latin1'));
}

function formatOf(path: string, bytes: Buffer, count: number): Format {
  let head = bytes;
  let n = count;
  let name = path.toLowerCase();
  if (isGzip(head, n)) {
    // gzip: look at the start of the decompressed stream instead (the inputs decompress as they read)
    try { head = gunzipSync(head.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH }); } catch { head = Buffer.alloc(0); }
    n = head.length;
    name = name.replace(/\.gz$/, '');
  }
  if (n >= 4 && isCaptureMagic(head.readUInt32LE(0))) return 'pcapfile';
  if (['.jsonl', '.ndjson', '.json'].includes(extname(name))) return 'jsonl';
  const text = head.subarray(0, n).toString('utf8').trimStart();
  if (text.startsWith('{') || text.startsWith('#') || n === 0) return 'jsonl';
  const magic = n >= 4 ? `unknown magic 0x${head.readUInt32LE(0).toString(16).padStart(8, '0')}` : `only ${n} bytes`;
  throw new CliExit(EXIT.USAGE, `${path}: neither a pcap/pcapng capture (${magic}) nor JSON lines; replay takes .pcap, .pcapng or .jsonl files (gzip-compressed or not)`);
}

/** Bad host-fact flags are usage errors, named with the value and the form expected. */
function checkHostFlags(flags: ReplayFlags): void {
  const bad = (opt: string, v: string, want: string) => { throw new CliExit(EXIT.USAGE, `${opt} ${JSON.stringify(v)} must be ${want}`); };
  for (const v of flags.host ?? []) if (!isIP(v)) bad('--host', v, 'an IPv4 or IPv6 address like 10.0.0.5');
  for (const v of flags.gateway ?? []) if (!isIP(v)) bad('--gateway', v, 'an IPv4 or IPv6 address like 10.0.0.1');
  for (const v of flags.listen ?? []) if (!isListenSpec(v)) bad('--listen', v, 'a port from 1 to 65535 like 22, 22/tcp or 53/udp');
  for (const v of flags.allow ?? []) if (!parseCidr(v)) bad('--allow', v, 'an address or CIDR like 10.0.0.0/8');
}


export async function replay(files: string[], flags: ReplayFlags): Promise<number> {
  if (flags.format !== 'json' && flags.format !== 'text') throw new CliExit(EXIT.USAGE, `--format must be json or text, got ${JSON.stringify(flags.format)}`);
  checkHostFlags(flags);
  const started = process.hrtime.bigint();
  if (flags.stdinFormat !== 'jsonl' && flags.stdinFormat !== 'pcap') throw new CliExit(EXIT.USAGE, `--stdin-format must be jsonl or pcap, got ${JSON.stringify(flags.stdinFormat)}`);
  const sources = files.map((f) => sniff(f, flags.stdinFormat));
  const cfg = loadConfigOrExit(flags.config, 'defaults');
  const logger = makeLogger(flags.actions ? cfg.config.log.level : 'warn');
  const h = cfg.config.host;
  const host = buildHostFacts({
    addresses: [...h.addresses, ...(flags.host ?? [])],
    gateways: [...h.gateways, ...(flags.gateway ?? [])],
    listen: [...h.listen, ...(flags.listen ?? [])],
    allow: [...h.allow, ...(flags.allow ?? [])],
  }, false);
  const catalog = await buildCatalog(cfg, logger);
  const metrics = new MetricsRegistry();
  const clock = new EventClock(0);
  const db = openDatabase(null);
  const kv = new KvStore(db);
  const services: PluginServices = { logger, clock, metrics, store: (ns) => kv.namespace(ns), host: () => host };
  const out = new LineOut();
  let hits = 0;

  let runner: ActionRunner | null = null;
  const actionInstances: Instance<'action'>[] = [];
  if (flags.actions) {
    const reqs = Object.entries(cfg.config.actions).map(([use, c]) => requestFromRef({ use, ...c }, ['actions', use]));
    for (const name of catalog.names('action')) if (!cfg.config.actions[name]) reqs.push({ use: name, config: {}, at: null });
    const made = instantiate('action', reqs, { catalog, services, run: currentRunEnv(), source: cfg.source });
    if (made.diagnostics.length) { printDiagnostics(made.diagnostics, false); return EXIT.FINDINGS; }
    actionInstances.push(...made.instances);
    runner = new ActionRunner(new Map(made.instances.map((i) => [i.plugin.name, i.instance])), logger, metrics.namespace('actions'));
  }

  let consumer: EventConsumer;
  let engine: Engine | null = null;
  if (flags.events) {
    consumer = { feed: (ev: VigilEvent) => { out.line(flags.format === 'json' ? JSON.stringify(ev) : eventText(ev)); } };
  } else {
    const sink = (hit: Hit): void => {
      hits++;
      out.line(flags.format === 'json' ? JSON.stringify(hitToJson(hit)) : hitText(hit));
      runner?.submit(hit);
    };
    engine = new Engine({ clock, sink, host, logger });
    const loaded = loadRuleset(ruleDirs(flags, cfg), { runtime: engine.helpers, actions: actionSchemas(catalog), varOverrides: varOverrides(flags, cfg), varOverridesSource: '--var' });
    if (loaded.diagnostics.length) printDiagnostics(loaded.diagnostics, false);
    if (!loaded.ruleset || hasErrors(loaded.diagnostics)) return EXIT.FINDINGS;
    engine.load(loaded.ruleset);
    consumer = engine;
  }

  const pipeline = new Pipeline({ enrichers: [], consumer });
  const bar = flags.progress !== false && process.stderr.isTTY ? new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} bytes | {eta}s', stream: process.stderr }, Presets.shades_classic) : null;
  const inputs: Instance<'input'>[] = [];
  for (let i = 0; i < files.length; i++) {
    const pipe = sources[i].pipe;
    if (pipe) {
      const format = sources[i].format;
      const instance = format === 'pcapfile' ? pipeCaptureInput(files[i], pipe.fd, pipe.head, services) : pipeJsonlInput(files[i], pipe.fd, pipe.head, services);
      inputs.push({ plugin: catalog.get('input', format)!.plugin as Instance<'input'>['plugin'], name: format, config: { path: files[i] }, instance });
      continue;
    }
    const made = instantiate('input', [{ use: sources[i].format, config: { path: files[i] }, at: null }], { catalog, services, run: currentRunEnv(), source: null });
    if (made.diagnostics.length) { printDiagnostics(made.diagnostics, false); return EXIT.RUNTIME; }
    inputs.push(made.instances[0]);
  }
  let ticker: NodeJS.Timeout | null = null;
  if (bar) {
    bar.start(1, 0);
    ticker = setInterval(() => { const p = pipeline.progress(); if (p.total) { bar.setTotal(p.total); bar.update(p.done); } }, 200);
  }
  const failures = await pipeline.run(inputs, true);
  if (ticker) clearInterval(ticker);
  bar?.stop();
  await runner?.drain();
  for (const a of actionInstances) await a.instance.stop?.();
  engine?.close();
  kv.close();
  db.close();
  await out.end();
  for (const f of failures) process.stderr.write(`vigil replay: ${f.error.message}\n`);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stderr.write(summaryLine(metrics, { files: files.length, events: pipeline.events, hits: flags.events ? null : hits, elapsedMs }) + '\n');
  return failures.length ? EXIT.RUNTIME : EXIT.OK;
}
