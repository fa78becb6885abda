import type { VigilEvent } from '../event.generated.ts';

/**
 * The concrete, fully shaped packet event the decoder fills in place. Every
 * property exists from construction, so V8 keeps one hidden class for the
 * object's whole life; protocol parts that a packet lacks are set to
 * undefined, and their reusable sub-objects are kept aside to be re-attached.
 */
export interface TcpFlags { syn: boolean; ack: boolean; fin: boolean; rst: boolean; psh: boolean; urg: boolean; ece: boolean; cwr: boolean; byte: number; str: string }
export interface TcpPart {
  /** Once the decoder has filled it, one of TCP_FLAGS (protocol-names.ts): shared and frozen, so it stays valid after the event is reused. */
  flags: TcpFlags;
  seq: number;
  ack: number;
  win: number;
}
export interface UdpPart { len: number }
export interface Endpoint { ip: string | undefined; port: number | undefined }
export interface IcmpOrig { proto: string | undefined; src: Endpoint; dst: Endpoint }
export interface IcmpPart { type: number; code: number; orig: IcmpOrig | undefined }
export interface IpPart { version: number; ttl: number; tos: number; len: number; id: number; frag: number; mf: boolean; df: boolean }

export interface PacketEvent extends VigilEvent {
  ts: number;
  kind: 'packet';
  input: string;
  iface: string | undefined;
  proto: string | undefined;
  src: { ip: string; port: number };
  dst: { ip: string; port: number };
  ip: IpPart;
  tcp: TcpPart | undefined;
  udp: UdpPart | undefined;
  icmp: IcmpPart | undefined;
  bytes: number;
  packets: number;
  payload_len: number;
  prefix: string | undefined;
}

/** The sub-objects a decoder re-attaches to its one event. */
export interface PacketParts {
  readonly ev: PacketEvent;
  readonly tcp: TcpPart;
  readonly udp: UdpPart;
  readonly icmp: IcmpPart;
  readonly orig: IcmpOrig;
}

export function newPacketParts(input: string): PacketParts {
  const tcp: TcpPart = {
    // Its own object, not TCP_FLAGS[0]: code that fills parts by hand (bench/engine.ts) may write to it.
    flags: { syn: false, ack: false, fin: false, rst: false, psh: false, urg: false, ece: false, cwr: false, byte: 0, str: '' },
    // Sequence numbers exceed 2^31; start as doubles so the field never changes representation.
    seq: 0.5, ack: 0.5, win: 0,
  };
  tcp.seq = 0; tcp.ack = 0;
  const udp: UdpPart = { len: 0 };
  // Ports start as numbers and are then cleared: a field born undefined would change representation
  // on the first number stored, deoptimising every caller at the first ICMP error.
  const orig: IcmpOrig = { proto: undefined, src: { ip: undefined, port: 0 }, dst: { ip: undefined, port: 0 } };
  orig.src.port = undefined;
  orig.dst.port = undefined;
  const icmp: IcmpPart = { type: 0, code: 0, orig: undefined };
  const ev: PacketEvent = {
    ts: 0.5, kind: 'packet', input, iface: undefined, proto: undefined,
    src: { ip: '', port: 0 }, dst: { ip: '', port: 0 },
    // IPv6 fragment ids are 32-bit: start as a double, like ts, so the field never changes representation.
    ip: { version: 0, ttl: 0, tos: 0, len: 0, id: 0.5, frag: 0, mf: false, df: false },
    tcp: undefined, udp: undefined, icmp: undefined,
    bytes: 0, packets: 1, payload_len: 0, prefix: undefined,
  };
  ev.ts = 0;
  ev.ip.id = 0;
  return { ev, tcp, udp, icmp, orig };
}
