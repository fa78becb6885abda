/**
 * procnet: watches the socket table (/proc/net/{tcp,tcp6,udp,udp6}) and
 * emits a `socket` event when a socket appears or goes away, with the owning
 * process when it can be found. Needs no privileges: other users' processes
 * are simply not attributed (proc.pid 0).
 *
 * Orientation: src is the side that started the conversation. Inbound
 * (`sock.direction` in): src = peer, dst = local end. Outbound (out): src =
 * local end, dst = peer. Listening / unconnected sockets: dst = local end,
 * no src. So `src.ip` means the same for sockets as for packets.
 *
 * "gone" takes two polls: the kernel lists these tables a page at a time
 * and a socket can slip between pages while the table changes (a busy host),
 * so one poll without a socket reported it gone and the next appeared again,
 * a false pair for every slip. A socket missing from one poll is held; it
 * is gone when the next poll does not find it either (one `interval` late).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineInput, type Emit, type InputInstance, type PluginContext, type VigilEvent } from '../../core/plugin-api.ts';
import { parseDuration, timerDurationSchema } from '../../core/config/duration.ts';
import { visitNetTable, NET_TABLES, type SocketRow, type NetTable } from '../../core/procfs/net-table.ts';
import { ProcessAttributor, type ProcInfo } from '../../core/procfs/processes.ts';

const schema = z.strictObject({
  interval: timerDurationSchema(10).default('2s')
    .describe('How often the socket table is read. Sockets that live shorter than this may be missed; a socket is reported gone once two reads in a row lack it.'),
  tables: z.array(z.enum(NET_TABLES as [NetTable, ...NetTable[]])).default([...NET_TABLES])
    .describe('Which /proc/net tables to watch.'),
  listening: z.boolean().default(true).describe('Also report listening and unconnected sockets (a new listener is worth knowing about).'),
  existing: z.boolean().default(true).describe('Report the sockets already open at start as appeared.'),
  attribute: z.boolean().default(true).describe('Find the owning process (proc.*) through /proc/<pid>/fd. A socket several processes hold goes to the lowest pid (a server parent before its workers), pid 1 last (systemd keeps the sockets it passes to socket-activated services).'),
  max_sockets: z.number().int().min(1).default(65_536).describe('Most sockets tracked at once; the rest are not reported, and how many there were at the last poll is the gauge vigil_procnet_untracked.'),
});
export type ProcnetConfig = z.output<typeof schema>;
type Config = ProcnetConfig;

interface Tracked {
  row: SocketRow;
  proc: ProcInfo | undefined;
  direction: 'in' | 'out' | 'unknown';
  /** Polls in a row that did not list it (see the header: gone after two). */
  missed: number;
}

const keyOf = (r: SocketRow): string => `${r.table} ${r.localIp} ${r.localPort} ${r.remoteIp ?? '-'} ${r.remotePort}`;

export function socketDirection(r: SocketRow, listening: ReadonlySet<string>, ephemeral: readonly [number, number]): 'in' | 'out' | 'unknown' {
  if (r.remoteIp === null || r.state === 'LISTEN') return 'in';
  if (listening.has(`${r.proto} ${r.localPort}`)) return 'in';
  if (r.localPort >= ephemeral[0] && r.localPort <= ephemeral[1]) return 'out';
  return 'unknown';
}

/** The event for one socket change; a fresh object (socket events are rare, and consumers may keep them). */
export function socketEvent(input: string, ts: number, change: 'appeared' | 'gone', t: Tracked): VigilEvent {
  const r = t.row;
  const local = { ip: r.localIp, port: r.localPort };
  const peer = r.remoteIp === null ? undefined : { ip: r.remoteIp, port: r.remotePort };
  const inbound = t.direction === 'in';
  const ev: VigilEvent = {
    ts, kind: 'socket', input, proto: r.proto,
    src: peer === undefined ? undefined : inbound ? peer : local,
    dst: peer === undefined ? local : inbound ? local : peer,
    ip: { version: r.version },
    sock: { state: r.state, change, inode: r.inode, uid: r.uid, direction: t.direction },
    proc: t.proc
      ? { pid: t.proc.pid, uid: t.proc.uid, gid: t.proc.gid, user: t.proc.user, exe: t.proc.exe, cmdline: t.proc.cmdline, unit: t.proc.unit, cgroup: t.proc.cgroup }
      : { pid: 0 },
  };
  if (ev.src === undefined) delete ev.src;
  return ev;
}

export default defineInput<Config>({
  name: 'procnet',
  description: 'Polls the kernel socket table (/proc/net/tcp, tcp6, udp, udp6) and reports sockets that appear or go away, with the owning process. No root needed.',
  schema,
  example: { interval: '2s', tables: ['tcp', 'tcp6', 'udp', 'udp6'], listening: true, existing: true, attribute: true, max_sockets: 65_536 },
  emits: ['socket'],
  canRun: (env) => (env.platform === 'linux' ? null : `it reads /proc/net, which exists on Linux only (this is ${env.platform})`),
  create: (ctx, config) => procnetInstance(ctx, config, (table) => readFile(`/proc/net/${table}`, 'latin1')),
});

/**
 * The poller over `readTable` (the real /proc/net in the plugin; a test hands
 * it table texts, to make what the kernel does only by chance, such as a
 * socket slipping out of one read).
 */
export function procnetInstance(ctx: PluginContext, config: Config, readTable: (table: NetTable) => Promise<string>): InputInstance {
  const everyMs = parseDuration(config.interval)!;
  const attributor = new ProcessAttributor(config.max_sockets);
  const polls = ctx.metrics.counter('polls_total', 'Reads of the socket tables.');
  const tracked = ctx.metrics.gauge('sockets', 'Sockets currently tracked.');
  // A gauge: the same untracked socket is met again at every poll, so a count of sightings would grow without meaning.
  const untracked = ctx.metrics.gauge('untracked', 'Sockets the last poll left untracked because max_sockets was reached.');
  let warnedFull = false;
  const badLines = ctx.metrics.counter('bad_lines_total', 'Socket table lines that did not parse.');
  const readErrors = ctx.metrics.counter('read_errors_total', 'Socket tables that could not be read.');
  let known = new Map<string, Tracked>();
  let first = true;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let finish: (() => void) | null = null;

  const warnedBad = new Set<NetTable>();

  async function poll(emit: Emit): Promise<void> {
    // The time the tables are read, not the time after attribution, which may scan all of /proc.
    const ts = Date.now();
    // Sockets already tracked are re-found first of all: until every one of them
    // has been seen, a new socket is admitted only if room remains for all of
    // them, so a full table never turns a live, tracked socket into a false "gone".
    let unseenKnown = known.size;
    const next = new Map<string, Tracked>();
    const fresh: Tracked[] = [];
    const replaced: Tracked[] = [];
    // A table that failed to read says nothing about its sockets: they are kept, not reported gone.
    const unread = new Set<NetTable>();
    // Built from every row, listening or not: with `listening: false` the
    // listeners are not reported, but they still tell accepted sockets (in) from clients (out).
    const listening = new Set<string>();
    let skipped = 0;
    const visit = (r: SocketRow): void => {
      if (r.state === 'LISTEN' || (r.proto === 'udp' && r.remoteIp === null)) listening.add(`${r.proto} ${r.localPort}`);
      if (!config.listening && r.remoteIp === null) return;
      const k = keyOf(r);
      if (next.has(k)) return; // the kernel can list a socket twice when the table changes during the read
      const prev = known.get(k);
      if (prev) {
        unseenKnown--;
        if (r.inode === prev.row.inode) { prev.row = r; prev.missed = 0; next.set(k, prev); return; }
        if (r.inode === 0) {
          // A closed socket lingering in FIN_WAIT or TIME_WAIT is listed with inode 0 (and
          // TIME_WAIT with uid 0): it is still the socket first seen, so it keeps that identity,
          // and its inode, now free for reuse, leaves the attribution cache.
          attributor.forget(prev.row.inode);
          prev.row = { ...r, inode: prev.row.inode, uid: prev.row.uid };
          prev.missed = 0;
          next.set(k, prev);
          return;
        }
        // Same addresses, another inode: the socket was closed and a new one took its place between polls.
        known.delete(k);
        replaced.push(prev);
      }
      if (next.size + unseenKnown >= config.max_sockets) { skipped++; return; }
      const t: Tracked = { row: r, proc: undefined, direction: 'unknown', missed: 0 };
      next.set(k, t);
      fresh.push(t);
    };
    // One table's text at a time: each is dropped once visited.
    for (const table of config.tables) {
      let text: string;
      try { text = await readTable(table); } catch (e) {
        readErrors.inc();
        ctx.logger.warn({ table, err: (e as Error).message }, 'socket table unreadable');
        unread.add(table);
        continue;
      }
      if (stopped) return;
      const parsed = visitNetTable(table, text, visit);
      if (parsed.bad) {
        badLines.inc(parsed.bad);
        const log = { table, bad: parsed.bad, sample: parsed.badSample };
        // Once per table at warn: a kernel whose format differs would repeat it every poll.
        if (warnedBad.has(table)) ctx.logger.debug(log, 'socket table lines skipped');
        else { warnedBad.add(table); ctx.logger.warn(log, 'socket table lines did not parse and were skipped (counted in bad_lines_total)'); }
      }
    }
    if (stopped) return;
    polls.inc();
    const ephemeral = ctx.host.ephemeral;
    for (const t of fresh) t.direction = socketDirection(t.row, listening, ephemeral);
    if (config.attribute && fresh.length) {
      const procs = attributor.resolve(fresh.map((t) => t.row.inode));
      for (const t of fresh) t.proc = procs.get(t.row.inode);
    }
    for (const t of replaced) {
      attributor.forget(t.row.inode);
      emit(socketEvent(ctx.name, ts, 'gone', t));
    }
    for (const [k, t] of known) {
      if (next.has(k)) continue;
      if (unread.has(t.row.table)) { next.set(k, t); continue; }
      if (t.missed === 0) { t.missed = 1; next.set(k, t); continue; }
      attributor.forget(t.row.inode);
      emit(socketEvent(ctx.name, ts, 'gone', t));
    }
    if (!first || config.existing) for (const t of fresh) emit(socketEvent(ctx.name, ts, 'appeared', t));
    first = false;
    known = next;
    tracked.set(known.size);
    untracked.set(skipped);
    if (skipped > 0 && !warnedFull) {
      warnedFull = true;
      ctx.logger.warn({ max_sockets: config.max_sockets, untracked: skipped }, 'max_sockets reached: further sockets are not reported (gauge untracked); raise max_sockets if this host really has that many');
    }
  }

  return {
    // A stream input: start resolves when stop is called.
    start(emit) {
      return new Promise<void>((resolve, reject) => {
        finish = resolve;
        const loop = (): void => {
          poll(emit).then(() => {
            if (!stopped) { timer = setTimeout(loop, everyMs); }
          }, (e: unknown) => { stopped = true; reject(e); });
        };
        loop();
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      finish?.();
    },
  };
}
