/**
 * A throw-away network lab: three namespaces (scanner, victim, client) joined
 * by veth pairs to a bridge inside the victim namespace, with addresses in
 * 10.77.0.0/24 and fd77::/64 only. Traffic never leaves these namespaces.
 *
 * Every process started here is tracked by pid and stopped by `destroy()`,
 * which also deletes the namespaces; callers put `destroy()` in `finally`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';

export const VICTIM = { v4: '10.77.0.2', v6: 'fd77::2' } as const;
export const SCANNER = { v4: '10.77.0.10', v6: 'fd77::10' } as const;
export const CLIENT = { v4: '10.77.0.20', v6: 'fd77::20' } as const;

export type Role = 'scanner' | 'victim' | 'client';

/** Why the lab cannot run here, or null when it can. */
export function labUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'creating network namespaces needs root';
  for (const tool of ['ip', 'tcpdump', 'nmap', 'hping3', 'socat']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (Debian package ${tool === 'ip' ? 'iproute2' : tool})`;
  }
  return null;
}

function run(argv: readonly string[], allowFail = false): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 120_000 });
  if (!allowFail && r.status !== 0) {
    throw new Error(`command failed (exit ${r.status ?? r.signal}): ${argv.join(' ')}\n${r.stderr}`);
  }
  return r.stdout;
}

export class Lab {
  readonly ns: Record<Role, string>;
  private readonly children = new Set<ChildProcess>();
  private created: string[] = [];

  constructor(suffix = String(process.pid % 100000)) {
    this.ns = { scanner: `vg-scan-${suffix}`, victim: `vg-victim-${suffix}`, client: `vg-client-${suffix}` };
  }

  /** Build namespaces, bridge, veths and addresses. */
  setup(): void {
    for (const name of Object.values(this.ns)) {
      run(['ip', 'netns', 'add', name]);
      this.created.push(name);
      this.inNs(name, ['ip', 'link', 'set', 'lo', 'up']);
      // A quiet wire: no router solicitations, no autoconf, no DAD delay.
      this.inNs(name, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_ra=0', 'net.ipv6.conf.default.accept_ra=0',
        'net.ipv6.conf.all.autoconf=0', 'net.ipv6.conf.default.autoconf=0']);
    }
    const v = this.ns.victim;
    this.inNs(v, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    this.inNs(v, ['sysctl', '-q', '-w', 'net.ipv6.conf.br0.accept_ra=0', 'net.ipv6.conf.br0.autoconf=0']);
    // Answer every probe: the default ICMP rate limit would drop most port-unreachables of a UDP scan.
    this.inNs(v, ['sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0']);
    const peers: [Role, string, { v4: string; v6: string }][] = [['scanner', 'vs0', SCANNER], ['client', 'vc0', CLIENT]];
    for (const [role, port, addr] of peers) {
      run(['ip', 'link', 'add', 'name', 'eth0', 'netns', this.ns[role], 'type', 'veth', 'peer', 'name', port, 'netns', v]);
      this.inNs(v, ['ip', 'link', 'set', port, 'master', 'br0']);
      this.inNs(v, ['ip', 'link', 'set', port, 'up']);
      this.wireSized(v, port);
      this.wireSized(this.ns[role], 'eth0');
      this.inNs(this.ns[role], ['ip', 'addr', 'add', `${addr.v4}/24`, 'dev', 'eth0']);
      this.inNs(this.ns[role], ['ip', '-6', 'addr', 'add', `${addr.v6}/64`, 'dev', 'eth0', 'nodad']);
      this.inNs(this.ns[role], ['ip', 'link', 'set', 'eth0', 'up']);
    }
    this.inNs(v, ['ip', 'addr', 'add', `${VICTIM.v4}/24`, 'dev', 'br0']);
    this.inNs(v, ['ip', '-6', 'addr', 'add', `${VICTIM.v6}/64`, 'dev', 'br0', 'nodad']);
    this.wireSized(v, 'br0');
    this.inNs(v, ['ip', 'link', 'set', 'br0', 'up']);
  }

  /**
   * ethtool is not always installed; capping GSO segments at one makes the
   * stack hand over wire-sized packets, which is what ethtool -K … gso off
   * would give us.
   */
  private wireSized(ns: string, dev: string): void {
    this.inNs(ns, ['ip', 'link', 'set', 'dev', dev, 'gso_max_segs', '1'], true);
  }

  inNs(ns: string, argv: readonly string[], allowFail = false): string {
    return run(['ip', 'netns', 'exec', ns, ...argv], allowFail);
  }

  /** Run a command in a role's namespace to completion, bounded by `timeout`. */
  exec(role: Role, argv: readonly string[], timeoutS = 90): string {
    return this.inNs(this.ns[role], ['timeout', '-s', 'KILL', String(timeoutS), ...argv]);
  }

  /** Start a long-running process in a namespace; stopped by `stop` or `destroy`. */
  start(role: Role, argv: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns[role], ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Resolve once `pattern` appears on the child's stderr or stdout (bounded). */
  waitFor(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} (output so far: ${seen.slice(-400)})`)), timeoutMs);
      const onData = (b: Buffer): void => {
        seen += b.toString();
        if (pattern.test(seen)) { clearTimeout(timer); resolve(); }
      };
      child.stderr?.on('data', onData);
      child.stdout?.on('data', onData);
      child.on('exit', (code) => { clearTimeout(timer); if (!pattern.test(seen)) reject(new Error(`process exited (${code}) before ${pattern}: ${seen.slice(-400)}`)); });
    });
  }

  /** Stop one child we started (SIGTERM, then SIGKILL after a bound). */
  async stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    for (const child of [...this.children]) await this.stop(child, 'SIGKILL');
    for (const name of this.created.reverse()) {
      // Processes still inside (e.g. a stray nmap) would keep the namespace alive.
      const pids = run(['ip', 'netns', 'pids', name], true).split(/\s+/).filter(Boolean);
      for (const pid of pids) spawnSync('kill', ['-9', pid]);
      run(['ip', 'netns', 'del', name], true);
    }
    this.created = [];
  }
}

/** Poll (bounded) until `file` contains `marker`: proof that tcpdump wrote everything sent before it. */
export async function waitForBytes(file: string, marker: string, timeoutMs = 15_000): Promise<void> {
  const needle = Buffer.from(marker);
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    if (existsSync(file) && statSync(file).size > 0 && readFileSync(file).includes(needle)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} never received the end marker "${marker}"`);
}
