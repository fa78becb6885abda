/**
 * The capture scenarios: what traffic each capture holds and what the packs
 * must conclude from it. One table serves three users: the namespace test
 * (which makes the traffic), test/packs (which replays the committed copies)
 * and the fixture maker.
 */
import { CLIENT, SCANNER, VICTIM, type Lab } from './lab.ts';

export type PortscanTag =
  | 'NULL' | 'FIN' | 'XMAS' | 'HALF_CONNECT' | 'FULL_CONNECT'
  | 'MULTI_PORT' | 'ONE_PORT_MANY' | 'HOT_PORT' | 'SLOW_SCAN' | 'UDP_SCAN';

export interface Expectation {
  /** Address that must be accused, with exactly these portscan tags over all its hits. */
  readonly scanner?: { readonly ip: string; readonly portscan: readonly PortscanTag[]; readonly scanlogd: boolean };
  /**
   * Tags a freshly made capture may add for the scanner, and why. Only timing
   * can add them: the committed fixtures must match `scanner` exactly.
   */
  readonly mayAlso?: { readonly tags: readonly PortscanTag[]; readonly why: string };
  /** Addresses no hit may accuse. */
  readonly innocent: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Generate the traffic. The capture runs around this call. */
  readonly traffic: (lab: Lab, tools: TrafficTools) => Promise<void>;
  readonly expect: Expectation;
}

export interface TrafficTools {
  /** Path of the benign-client script (see client.mjs). */
  readonly clientScript: string;
}

/** Ports the victim serves; replays are told about them with --listen. */
export const VICTIM_TCP = [22, 80, 443] as const;
export const VICTIM_UDP = [53] as const;
/** The hot port used by the site override in the tests. */
export const HOT_PORT = 2323;

/** nmap flags shared by the fast scans: no DNS, no ping, bounded retries and time. */
const NMAP = ['nmap', '-n', '-Pn', '--max-retries', '1', '-T4'];
const PORTS = ['-p', '1-200,443'];
const BOTH = [VICTIM.v4, VICTIM.v6, CLIENT.v4, CLIENT.v6];

const nmapScan = (name: string, flag: string, description: string, tags: PortscanTag[], scanlogd: boolean, ports = PORTS, mayAlso?: Expectation['mayAlso']): Scenario => ({
  name,
  description,
  traffic: async (lab) => { lab.exec('scanner', [...NMAP, flag, ...ports, VICTIM.v4]); },
  expect: { scanner: { ip: SCANNER.v4, portscan: tags, scanlogd }, innocent: BOTH, ...(mayAlso ? { mayAlso } : {}) },
});

/**
 * On a loaded machine nmap -sT gives up on a connect() before the victim's
 * SYN-ACK arrives; the scanner's kernel, which no longer has the socket,
 * answers that late SYN-ACK with a bare RST: on the wire exactly a SYN scan's
 * teardown (reproduced by dropping every other SYN-ACK so the victim's
 * retransmission comes after nmap's timeout).
 */
const LATE_SYNACK = { tags: ['HALF_CONNECT'] as PortscanTag[], why: 'a SYN-ACK that arrives after nmap abandoned the connect() is reset by the scanner\'s kernel with a bare RST' };

export const SCENARIOS: readonly Scenario[] = [
  nmapScan('syn-scan', '-sS', 'nmap -sS over 201 ports: half-open probes, RST after each SYN-ACK.', ['MULTI_PORT', 'HALF_CONNECT'], true),
  nmapScan('connect-scan', '-sT', 'nmap -sT over 201 ports: full handshakes to open ports, aborted at once.', ['MULTI_PORT', 'FULL_CONNECT'], true, PORTS, LATE_SYNACK),
  nmapScan('fin-scan', '-sF', 'nmap -sF: bare FIN probes.', ['FIN'], true),
  nmapScan('xmas-scan', '-sX', 'nmap -sX: FIN+PSH+URG probes.', ['XMAS'], true),
  nmapScan('null-scan', '-sN', 'nmap -sN: probes with no flag set.', ['NULL'], true),
  nmapScan('udp-scan', '-sU', 'nmap -sU over 100 ports; the victim answers closed ports with ICMP port-unreachable.', ['UDP_SCAN'], false, ['-p', '1-100']),
  {
    name: 'slow-scan',
    description: 'nmap -sS with --scan-delay 1500ms over ten privileged closed ports (15 s).',
    traffic: async (lab) => { lab.exec('scanner', ['nmap', '-n', '-Pn', '-sS', '--max-retries', '0', '--scan-delay', '1500ms', '-p', '100-109', VICTIM.v4]); },
    expect: { scanner: { ip: SCANNER.v4, portscan: ['MULTI_PORT'], scanlogd: true }, innocent: BOTH },
  },
  {
    name: 'one-port-hammer',
    description: 'hping3 sends 50 SYNs to one closed port, 10 ms apart.',
    traffic: async (lab) => { lab.exec('scanner', ['hping3', '-q', '-S', '-p', '8000', '-c', '50', '-i', 'u10000', VICTIM.v4], 30); },
    expect: { scanner: { ip: SCANNER.v4, portscan: ['ONE_PORT_MANY'], scanlogd: false }, innocent: BOTH },
  },
  {
    name: 'hot-port',
    description: `One SYN to hot port ${HOT_PORT}.`,
    traffic: async (lab) => { lab.exec('scanner', ['hping3', '-q', '-S', '-p', String(HOT_PORT), '-c', '1', VICTIM.v4], 30); },
    expect: { scanner: { ip: SCANNER.v4, portscan: ['HOT_PORT'], scanlogd: false }, innocent: BOTH },
  },
  {
    name: 'ipv6-syn-scan',
    description: 'nmap -6 -sS over 201 ports.',
    traffic: async (lab) => { lab.exec('scanner', [...NMAP, '-6', '-sS', ...PORTS, VICTIM.v6]); },
    expect: { scanner: { ip: SCANNER.v6, portscan: ['MULTI_PORT', 'HALF_CONNECT'], scanlogd: true }, innocent: BOTH },
  },
  {
    name: 'benign',
    description: 'A client makes 120 HTTP requests over IPv4 and IPv6, a burst of 30 parallel connections, a 4 MB download and DNS-style UDP queries.',
    traffic: async (lab, t) => { lab.exec('client', ['node', t.clientScript, 'all']); },
    expect: { innocent: [...BOTH, SCANNER.v4, SCANNER.v6] },
  },
  {
    name: 'scan-amid-benign',
    description: 'The benign client keeps fetching while nmap -sS scans 100 ports.',
    traffic: async (lab, t) => {
      const bg = lab.start('client', ['node', t.clientScript, 'all']);
      try {
        lab.exec('scanner', [...NMAP, '-sS', '-p', '1-100', VICTIM.v4]);
      } finally {
        await new Promise<void>((resolve) => { if (bg.exitCode !== null) resolve(); else bg.once('exit', () => resolve()); });
      }
    },
    expect: { scanner: { ip: SCANNER.v4, portscan: ['MULTI_PORT', 'HALF_CONNECT'], scanlogd: true }, innocent: BOTH },
  },
];
