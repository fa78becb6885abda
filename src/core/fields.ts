/**
 * The one definition of every event field. The TypeScript event type
 * (src/core/event.generated.ts), docs/fields.md and `vigil fields` are all
 * generated from this table; `npm run lint` fails when they drift.
 *
 * A field name is a dotted path into the event object: `src.ip` is
 * `event.src.ip`. Rules may only name fields listed here.
 */

export type FieldType = 'string' | 'number' | 'boolean' | 'ip' | 'string[]';

/** Inputs that can set a field. `all` means every input sets it. */
export type InputName = 'pcap' | 'pcapfile' | 'nflog' | 'conntrack' | 'procnet' | 'jsonl';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** Which inputs set this field; `jsonl` may set any field. */
  readonly inputs: readonly InputName[];
  /** Example value, shown in docs. */
  readonly example?: string | number | boolean;
}

const PKT: readonly InputName[] = ['pcap', 'pcapfile', 'nflog', 'jsonl'];
const ALL: readonly InputName[] = ['pcap', 'pcapfile', 'nflog', 'conntrack', 'procnet', 'jsonl'];
const FLOW: readonly InputName[] = ['pcap', 'pcapfile', 'nflog', 'conntrack', 'procnet', 'jsonl'];
const CT: readonly InputName[] = ['conntrack', 'jsonl'];
const SOCK: readonly InputName[] = ['procnet', 'conntrack', 'jsonl'];

/** Event kinds an input may emit; `on:` in a rule names these. */
export const EVENT_KINDS = {
  packet: 'One decoded packet (libpcap, NFLOG, pcap/pcapng file).',
  flow: 'A connection-tracking flow event (new, update, destroy).',
  socket: 'A socket-table change seen by the /proc/net poller (appeared, gone).',
  tick: 'A synthetic event produced by the engine for `schedule` rules.',
} as const;
export type EventKind = keyof typeof EVENT_KINDS;

export const FIELDS: readonly FieldSpec[] = [
  { name: 'ts', type: 'number', description: 'Event time, milliseconds since the Unix epoch (UTC). In replay it is the packet timestamp; live it is the kernel or wall time of arrival. At most ±8.64e15 (what a date can hold): events outside are refused and counted; so, in `vigil run`, are events more than 10 minutes ahead of the host clock (docs/operations.md).', inputs: ALL, example: 1764125410123 },
  { name: 'kind', type: 'string', description: 'Event kind: packet, flow, socket or tick.', inputs: ALL, example: 'packet' },
  { name: 'input', type: 'string', description: 'Name of the input instance that produced the event.', inputs: ALL, example: 'pcapfile' },
  { name: 'iface', type: 'string', description: 'Interface name (or the pcapng interface index, or NFLOG input device index, as a string when the name is unknown).', inputs: ['pcap', 'pcapfile', 'nflog', 'jsonl'], example: 'eth0' },
  { name: 'proto', type: 'string', description: 'Transport protocol: tcp, udp, icmp, icmp6, or the IP protocol number as a string.', inputs: FLOW, example: 'tcp' },
  { name: 'src.ip', type: 'ip', description: 'Source address (IPv4 dotted quad or canonical IPv6 text).', inputs: FLOW, example: '10.77.0.1' },
  { name: 'src.port', type: 'number', description: 'Source port (TCP, UDP, UDP-Lite, SCTP, DCCP); 0 when the protocol has none.', inputs: FLOW, example: 40000 },
  { name: 'dst.ip', type: 'ip', description: 'Destination address.', inputs: FLOW, example: '10.77.0.2' },
  { name: 'dst.port', type: 'number', description: 'Destination port (TCP, UDP, UDP-Lite, SCTP, DCCP); 0 when the protocol has none.', inputs: FLOW, example: 22 },
  { name: 'ip.version', type: 'number', description: 'IP version, 4 or 6.', inputs: FLOW, example: 4 },
  { name: 'ip.ttl', type: 'number', description: 'IPv4 TTL or IPv6 hop limit.', inputs: PKT, example: 64 },
  { name: 'ip.tos', type: 'number', description: 'IPv4 TOS byte or IPv6 traffic class.', inputs: PKT, example: 0 },
  { name: 'ip.len', type: 'number', description: 'IP total length from the header (IPv6: payload length + 40); a header length of 0 (segmentation offload, jumbograms) is replaced by the frame\'s length.', inputs: PKT, example: 60 },
  { name: 'ip.id', type: 'number', description: 'IPv4 identification (IPv6: fragment identification, else 0).', inputs: PKT, example: 54321 },
  { name: 'ip.frag', type: 'number', description: 'Fragment offset in bytes; 0 for unfragmented packets and first fragments.', inputs: PKT, example: 0 },
  { name: 'ip.mf', type: 'boolean', description: 'More-fragments flag.', inputs: PKT, example: false },
  { name: 'ip.df', type: 'boolean', description: "IPv4 don't-fragment flag.", inputs: PKT, example: true },
  { name: 'tcp.flags.syn', type: 'boolean', description: 'TCP SYN flag.', inputs: PKT, example: true },
  { name: 'tcp.flags.ack', type: 'boolean', description: 'TCP ACK flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.fin', type: 'boolean', description: 'TCP FIN flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.rst', type: 'boolean', description: 'TCP RST flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.psh', type: 'boolean', description: 'TCP PSH flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.urg', type: 'boolean', description: 'TCP URG flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.ece', type: 'boolean', description: 'TCP ECE flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.cwr', type: 'boolean', description: 'TCP CWR flag.', inputs: PKT, example: false },
  { name: 'tcp.flags.byte', type: 'number', description: 'The TCP flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128).', inputs: PKT, example: 2 },
  { name: 'tcp.flags.str', type: 'string', description: 'Flags as letters in the order FSRPAUEC, only those set (e.g. "S", "SA", "FPU", "" for none).', inputs: PKT, example: 'S' },
  { name: 'tcp.seq', type: 'number', description: 'TCP sequence number.', inputs: PKT, example: 123456789 },
  { name: 'tcp.ack', type: 'number', description: 'TCP acknowledgement number.', inputs: PKT, example: 0 },
  { name: 'tcp.win', type: 'number', description: 'TCP window size (unscaled).', inputs: PKT, example: 64240 },
  { name: 'udp.len', type: 'number', description: 'UDP length field.', inputs: PKT, example: 8 },
  { name: 'icmp.type', type: 'number', description: 'ICMP or ICMPv6 type.', inputs: PKT, example: 3 },
  { name: 'icmp.code', type: 'number', description: 'ICMP or ICMPv6 code.', inputs: PKT, example: 3 },
  { name: 'icmp.orig.proto', type: 'string', description: 'For ICMP errors (unreachable, time exceeded…): protocol of the embedded original packet.', inputs: PKT, example: 'udp' },
  { name: 'icmp.orig.src.ip', type: 'ip', description: 'Embedded original packet: source address (usually this host).', inputs: PKT, example: '10.77.0.1' },
  { name: 'icmp.orig.src.port', type: 'number', description: 'Embedded original packet: source port; undefined when it has none (ICMP quoted, a later fragment, a quote cut short).', inputs: PKT, example: 53124 },
  { name: 'icmp.orig.dst.ip', type: 'ip', description: 'Embedded original packet: destination address (for a port unreachable, the host that sent the error; for time exceeded, the target the packet was headed to).', inputs: PKT, example: '10.77.0.2' },
  { name: 'icmp.orig.dst.port', type: 'number', description: 'Embedded original packet: destination port (the probed port of a UDP scan); undefined when it has none.', inputs: PKT, example: 161 },
  { name: 'bytes', type: 'number', description: 'Bytes: the frame length on the wire for packets (even when the capture kept less; for NFLOG the logged packet length); total bytes (both directions) for flows.', inputs: FLOW, example: 74 },
  { name: 'packets', type: 'number', description: 'Packet count: 1 for packets; both directions for flows.', inputs: FLOW, example: 1 },
  { name: 'payload_len', type: 'number', description: 'Transport payload length in bytes (after TCP/UDP/ICMP headers), from header lengths, not the capture.', inputs: PKT, example: 0 },
  { name: 'prefix', type: 'string', description: 'NFLOG prefix of the firewall rule that logged the packet.', inputs: ['nflog', 'pcapfile', 'jsonl'], example: 'vigil-in' },
  { name: 'flow.state', type: 'string', description: 'Flow event type: new, update or destroy.', inputs: CT, example: 'new' },
  { name: 'flow.tcp_state', type: 'string', description: 'Conntrack TCP state (e.g. SYN_SENT, ESTABLISHED).', inputs: CT, example: 'ESTABLISHED' },
  { name: 'flow.id', type: 'number', description: 'Conntrack flow id.', inputs: CT, example: 3735928559 },
  { name: 'flow.bytes_orig', type: 'number', description: 'Bytes sent by the initiator (needs nf_conntrack_acct=1).', inputs: CT, example: 5268 },
  { name: 'flow.bytes_reply', type: 'number', description: 'Bytes sent by the responder.', inputs: CT, example: 164 },
  { name: 'flow.packets_orig', type: 'number', description: 'Packets sent by the initiator.', inputs: CT, example: 5 },
  { name: 'flow.packets_reply', type: 'number', description: 'Packets sent by the responder.', inputs: CT, example: 3 },
  { name: 'flow.start', type: 'number', description: 'Flow start, ms since epoch (needs nf_conntrack_timestamp=1).', inputs: CT, example: 1764125410000 },
  { name: 'flow.duration', type: 'number', description: 'Flow duration in ms (destroy events).', inputs: CT, example: 2000 },
  { name: 'sock.state', type: 'string', description: 'Socket state (LISTEN, ESTABLISHED, TIME_WAIT…; UNCONN for UDP).', inputs: SOCK, example: 'ESTABLISHED' },
  { name: 'sock.change', type: 'string', description: 'What the poller saw: appeared or gone.', inputs: ['procnet', 'jsonl'], example: 'appeared' },
  { name: 'sock.inode', type: 'number', description: 'Socket inode from /proc/net.', inputs: SOCK, example: 123456 },
  { name: 'sock.uid', type: 'number', description: 'Socket owner uid from /proc/net.', inputs: SOCK, example: 1000 },
  { name: 'sock.direction', type: 'string', description: 'in when the local end is listening or the peer connected to us, out when we connected, unknown otherwise.', inputs: SOCK, example: 'out' },
  { name: 'proc.pid', type: 'number', description: 'Pid of the process owning the socket (0 when unknown).', inputs: SOCK, example: 4242 },
  { name: 'proc.uid', type: 'number', description: 'Process uid.', inputs: SOCK, example: 1000 },
  { name: 'proc.gid', type: 'number', description: 'Process gid.', inputs: SOCK, example: 1000 },
  { name: 'proc.user', type: 'string', description: 'User name of proc.uid.', inputs: SOCK, example: 'alice' },
  { name: 'proc.exe', type: 'string', description: 'Executable path (/proc/PID/exe).', inputs: SOCK, example: '/usr/bin/curl' },
  { name: 'proc.cmdline', type: 'string', description: 'Command line, NULs replaced by spaces, trimmed.', inputs: SOCK, example: 'curl https://example.org' },
  { name: 'proc.unit', type: 'string', description: 'systemd unit derived from the cgroup path.', inputs: SOCK, example: 'sshd.service' },
  { name: 'proc.cgroup', type: 'string', description: 'cgroup path (/proc/PID/cgroup).', inputs: SOCK, example: '/system.slice/sshd.service' },
];

/** Fast lookup by dotted name. */
export const FIELD_BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(FIELDS.map((f) => [f.name, f]));

/**
 * Every prefix of a field name is also a valid path (`tcp.flags` is an
 * object); rules may test such objects for presence.
 */
export const FIELD_PREFIXES: ReadonlySet<string> = new Set(
  FIELDS.flatMap((f) => {
    const parts = f.name.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

export function isKnownField(path: string): boolean {
  return FIELD_BY_NAME.has(path) || FIELD_PREFIXES.has(path);
}
