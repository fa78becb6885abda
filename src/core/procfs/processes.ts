/**
 * Finds the process behind a socket inode by reading /proc/<pid>/fd links
 * (`socket:[12345]`). Without root only the caller's own processes are
 * readable; the rest stay unknown, which is the documented behaviour.
 * Both caches are bounded; a cached process is trusted only while its start
 * time (field 22 of /proc/<pid>/stat) is unchanged, so a reused pid is never
 * attributed to the previous owner.
 *
 * A socket several processes hold goes to the first found (lowest pid: a
 * server's parent before the workers it forked), except that pid 1 comes
 * last: with socket activation systemd holds every listening socket it
 * passed to a service, and the service, not the init system, is the answer.
 */
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  readonly exe: string;
  readonly cmdline: string;
  readonly cgroup: string;
  readonly unit: string;
  readonly startTime: number;
}

/** Start time in clock ticks since boot, or -1 when the process is gone. */
export function processStartTime(pid: number, procRoot = '/proc'): number {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    // comm (field 2) may contain spaces and parentheses: fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19]); // field 22 overall; rest[0] is field 3
  } catch { return -1; }
}

function startOf(pid: number, memo: Map<number, number>, procRoot: string): number {
  let s = memo.get(pid);
  if (s === undefined) { s = processStartTime(pid, procRoot); memo.set(pid, s); }
  return s;
}

/** systemd unit from a cgroup path: the last segment naming a .service or .scope. */
export function unitOfCgroup(cgroup: string): string {
  const parts = cgroup.split('/');
  for (let i = parts.length - 1; i >= 0; i--) if (/\.(service|scope)$/.test(parts[i])) return parts[i];
  return '';
}

function readOr(path: string, dflt: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return dflt; }
}

export class ProcessAttributor {
  private readonly inodeToPid = new Map<number, { pid: number; start: number }>();
  private readonly procs = new Map<number, ProcInfo>();
  private users: Map<number, string> | null = null;
  /** How many /proc scans ran (for metrics). */
  scans = 0;

  /** `procRoot` is for tests: a directory laid out as /proc is. */
  constructor(private readonly maxEntries = 65_536, private readonly procRoot = '/proc') {}

  /** Attribute the given inodes; rescans /proc only when one of them is not cached. */
  resolve(inodes: Iterable<number>): Map<number, ProcInfo> {
    const out = new Map<number, ProcInfo>();
    const missing: number[] = [];
    // One start-time read per process per call, however many of its sockets are asked for.
    const starts = new Map<number, number>();
    for (const inode of inodes) {
      if (inode === 0) continue;
      const hit = this.lookup(inode, starts);
      if (hit) out.set(inode, hit); else missing.push(inode);
    }
    if (missing.length) {
      this.scan(new Set(missing), starts);
      for (const inode of missing) { const p = this.lookup(inode, starts); if (p) out.set(inode, p); }
    }
    return out;
  }

  /** Forget an inode (its socket is gone). */
  forget(inode: number): void { this.inodeToPid.delete(inode); }

  get size(): number { return this.inodeToPid.size; }

  private lookup(inode: number, starts: Map<number, number>): ProcInfo | undefined {
    const e = this.inodeToPid.get(inode);
    if (!e) return undefined;
    const info = this.procInfo(e.pid, starts);
    if (!info || info.startTime !== e.start) { this.inodeToPid.delete(inode); return undefined; }
    return info;
  }

  private scan(wanted: Set<number>, starts: Map<number, number>): void {
    this.scans++;
    const root = this.procRoot;
    let names: string[];
    try { names = readdirSync(root); } catch { return; }
    const pids: number[] = [];
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) pids.push(Number(name));
    }
    // Lowest pid first (a parent before its workers), pid 1 last (see the file comment).
    pids.sort((a, b) => (a === 1 ? 1 : b === 1 ? -1 : a - b));
    for (const pid of pids) {
      if (!wanted.size) break;
      let fds: string[];
      try { fds = readdirSync(`${root}/${pid}/fd`); } catch { continue; } // not ours to read, or gone
      for (const fd of fds) {
        let link: string;
        try { link = readlinkSync(`${root}/${pid}/fd/${fd}`); } catch { continue; }
        if (!link.startsWith('socket:[')) continue;
        const inode = Number(link.slice(8, -1));
        if (!wanted.has(inode)) continue;
        const start = startOf(pid, starts, root);
        if (start < 0) break;
        this.remember(inode, pid, start);
        wanted.delete(inode);
      }
    }
  }

  private remember(inode: number, pid: number, start: number): void {
    if (this.inodeToPid.size >= this.maxEntries) {
      // Oldest first: Map iteration is insertion order.
      const oldest = this.inodeToPid.keys().next().value;
      if (oldest !== undefined) this.inodeToPid.delete(oldest);
    }
    this.inodeToPid.set(inode, { pid, start });
  }

  private procInfo(pid: number, starts: Map<number, number>): ProcInfo | null {
    const root = this.procRoot;
    const start = startOf(pid, starts, root);
    if (start < 0) { this.procs.delete(pid); return null; }
    const cached = this.procs.get(pid);
    if (cached && cached.startTime === start) return cached;
    const status = readOr(`${root}/${pid}/status`, '');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    let exe = '';
    try { exe = readlinkSync(`${root}/${pid}/exe`); } catch { /* other users' processes: unknown */ }
    const cmdline = readOr(`${root}/${pid}/cmdline`, '').replace(/\0/g, ' ').trim();
    const cgLine = readOr(`${root}/${pid}/cgroup`, '').split('\n').find((l) => l.startsWith('0::')) ?? '';
    const cgroup = cgLine.slice(3);
    const info: ProcInfo = { pid, uid, gid, user: this.userName(uid), exe, cmdline, cgroup, unit: unitOfCgroup(cgroup), startTime: start };
    if (this.procs.size >= this.maxEntries) { const k = this.procs.keys().next().value; if (k !== undefined) this.procs.delete(k); }
    this.procs.set(pid, info);
    return info;
  }

  private userName(uid: number): string {
    if (!this.users || !this.users.has(uid)) {
      this.users = new Map();
      for (const line of readOr('/etc/passwd', '').split('\n')) {
        const f = line.split(':');
        if (f.length > 2) this.users.set(Number(f[2]), f[0]);
      }
    }
    // Remember misses too, so an unknown uid does not re-read /etc/passwd every time.
    if (!this.users.has(uid)) this.users.set(uid, String(uid));
    return this.users.get(uid)!;
  }
}
