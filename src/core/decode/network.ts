/**
 * IPv4/IPv6 and transport decoding into the one reused packet event.
 *
 * Truncation policy: once an IP header is whole, the packet yields an event.
 * A transport header cut short (by the capture's snaplen, or a lying length)
 * leaves the parts that were not fully present undefined and counts a
 * partial reason; ports are kept whenever their 4 bytes are there. Header
 * lengths, not captured lengths, give `ip.len` and `payload_len`, so a
 * snaplen-truncated capture still reports true sizes.
 */
import { ipv4Text, ipv4TextOf, ipv6Text, ipv6TextOf } from './ip-text.ts';
import type { PacketEvent, PacketParts } from './packet-event.ts';
import { HAS_PORTS, PROTO_TEXT, TCP_FLAGS } from './protocol-names.ts';
import { R, type DecodeStats } from './stats.ts';

const MAX_IPV6_EXT = 16;

/** ICMPv4 types that quote the offending datagram: unreachable, source quench, redirect, time exceeded, parameter problem. */
const ICMP4_ERROR = new Uint8Array(256);
for (const t of [3, 4, 5, 11, 12]) ICMP4_ERROR[t] = 1;

export class NetworkDecoder {
  private readonly ev: PacketEvent;
  // Results of the last IPv6 extension walk; fields instead of a returned object keep the walk allocation-free.
  private wNext = 0;
  private wOff = 0;
  private wFrag = 0;
  private wMf = false;
  private wId = 0;
  private wBroken = -1;
  // A view of the capture buffer, so that a 16- or 32-bit field is one bounds-checked load instead of two or four.
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | null = null;

  constructor(private readonly parts: PacketParts, private readonly stats: DecodeStats) {
    this.ev = parts.ev;
  }

  /**
   * IPv4 at `buf[p..end)`. `frameRest` is the original (untruncated) length
   * from `p` on, used when the header's total length is 0 (segmentation
   * offload captures on the sending host write 0 there).
   */
  ipv4(buf: Uint8Array, p: number, end: number, frameRest: number): PacketEvent | null {
    if (end - p < 20) return this.drop(R.truncated_ip_header);
    const vihl = buf[p];
    if (vihl >> 4 !== 4) return this.drop(R.bad_ip_version);
    const ihl = (vihl & 15) << 2;
    if (ihl < 20 || p + ihl > end) return this.drop(R.ipv4_header_too_short);
    const dv = buf === this.viewOf ? this.view : this.bind(buf);
    let total = dv.getUint16(p + 2);
    if (total === 0) total = frameRest;
    if (total < ihl) return this.drop(R.ipv4_bad_total_length);
    const ev = this.ev, ip = ev.ip;
    const fo = dv.getUint16(p + 6);
    ip.version = 4;
    ip.tos = buf[p + 1];
    ip.len = total;
    ip.id = dv.getUint16(p + 4);
    ip.df = (fo & 0x4000) !== 0;
    ip.mf = (fo & 0x2000) !== 0;
    ip.frag = (fo & 0x1fff) << 3;
    ip.ttl = buf[p + 8];
    ev.src.ip = ipv4TextOf(dv.getInt32(p + 12));
    ev.dst.ip = ipv4TextOf(dv.getInt32(p + 16));
    const tEnd = p + total < end ? p + total : end;
    return this.transport(buf[p + 9], buf, p + ihl, tEnd, total - ihl, ip.frag, false);
  }

  /** IPv6 at `buf[p..end)`; walks the extension-header chain to the transport header. */
  ipv6(buf: Uint8Array, p: number, end: number, frameRest: number): PacketEvent | null {
    if (end - p < 40) return this.drop(R.truncated_ip_header);
    if (buf[p] >> 4 !== 6) return this.drop(R.bad_ip_version);
    const ev = this.ev, ip = ev.ip;
    const dv = buf === this.viewOf ? this.view : this.bind(buf);
    let plen = dv.getUint16(p + 4);
    // Jumbograms and offloaded segments carry 0 here; the frame length is the best truth left.
    if (plen === 0 && frameRest > 40) plen = frameRest - 40;
    ip.version = 6;
    ip.tos = ((buf[p] & 15) << 4) | (buf[p + 1] >> 4);
    ip.len = plen + 40;
    ip.ttl = buf[p + 7];
    ip.df = false;
    ev.src.ip = ipv6TextOf(dv.getInt32(p + 8), dv.getInt32(p + 12), dv.getInt32(p + 16), dv.getInt32(p + 20));
    ev.dst.ip = ipv6TextOf(dv.getInt32(p + 24), dv.getInt32(p + 28), dv.getInt32(p + 32), dv.getInt32(p + 36));
    const declaredEnd = p + 40 + plen;
    const tEnd = declaredEnd < end ? declaredEnd : end;
    this.walkIpv6(buf, p + 40, tEnd, buf[p + 6]);
    ip.id = this.wId;
    ip.frag = this.wFrag;
    ip.mf = this.wMf;
    if (this.wBroken >= 0) {
      this.stats.count(this.wBroken);
      this.noTransport(PROTO_TEXT[this.wNext], 0);
      return ev;
    }
    const q = this.wOff;
    return this.transport(this.wNext, buf, q, tEnd, declaredEnd - q, this.wFrag, true);
  }

  /**
   * Follows IPv6 extension headers from `q` with next header `next`.
   * Leaves the transport protocol and offset in wNext/wOff, fragment facts in
   * wFrag/wMf/wId, and wBroken = a partial reason index when it had to stop.
   */
  private walkIpv6(buf: Uint8Array, q: number, end: number, next: number): void {
    this.wFrag = 0; this.wMf = false; this.wId = 0; this.wBroken = -1;
    for (let n = 0; ; n++) {
      let len: number;
      switch (next) {
        case 0: case 43: case 60: case 135: case 139: case 140:
          if (q + 2 > end) { this.wBroken = R.truncated_ipv6_ext; break; }
          len = (buf[q + 1] + 1) << 3;
          break;
        case 44:
          if (q + 8 > end) { this.wBroken = R.truncated_ipv6_ext; break; }
          len = 8;
          this.wFrag = ((buf[q + 2] << 8) | buf[q + 3]) & 0xfff8;
          this.wMf = (buf[q + 3] & 1) !== 0;
          this.wId = ((buf[q + 4] << 24) | (buf[q + 5] << 16) | (buf[q + 6] << 8) | buf[q + 7]) >>> 0;
          break;
        case 51:
          if (q + 2 > end) { this.wBroken = R.truncated_ipv6_ext; break; }
          len = (buf[q + 1] + 2) << 2;
          break;
        default:
          this.wNext = next; this.wOff = q;
          return;
      }
      if (this.wBroken >= 0) { this.wNext = next; this.wOff = q; return; }
      if (q + len! > end) { this.wBroken = R.truncated_ipv6_ext; this.wNext = next; this.wOff = q; return; }
      if (n >= MAX_IPV6_EXT) { this.wBroken = R.ipv6_ext_chain_too_long; this.wNext = next; this.wOff = q; return; }
      next = buf[q];
      q += len!;
      // A non-first fragment's payload is not a header; stop at it.
      if (this.wFrag > 0) { this.wNext = next; this.wOff = q; return; }
    }
  }

  /**
   * The transport header at `buf[t..end)`. `payload` is the IP payload length
   * from the headers (not the capture), `frag` the fragment offset.
   */
  private transport(proto: number, buf: Uint8Array, t: number, end: number, payload: number, frag: number, v6: boolean): PacketEvent {
    const ev = this.ev;
    if (payload < 0) payload = 0;
    if (frag > 0) { this.noTransport(PROTO_TEXT[proto], payload); return ev; }
    const avail = end - t;
    ev.proto = PROTO_TEXT[proto];
    if (proto === 6) {
      ev.udp = undefined; ev.icmp = undefined;
      if (avail < 20) {
        this.ports(buf, t, avail);
        ev.tcp = undefined;
        // The data offset (byte 12) may have been captured even though the header was not whole.
        const doff = avail > 12 ? (buf[t + 12] >> 4) << 2 : 20;
        const hdr = doff >= 20 ? doff : 20;
        ev.payload_len = payload > hdr ? payload - hdr : 0;
        this.stats.count(R.truncated_tcp);
        return ev;
      }
      const dv = this.view;
      ev.src.port = dv.getUint16(t);
      ev.dst.port = dv.getUint16(t + 2);
      const tcp = this.parts.tcp;
      tcp.seq = dv.getUint32(t + 4);
      tcp.ack = dv.getUint32(t + 8);
      tcp.win = dv.getUint16(t + 14);
      tcp.flags = TCP_FLAGS[buf[t + 13]];
      ev.tcp = tcp;
      const doff = (buf[t + 12] >> 4) << 2;
      if (doff < 20 || doff > payload) { ev.payload_len = 0; this.stats.count(R.bad_tcp_offset); }
      else ev.payload_len = payload - doff;
      return ev;
    }
    if (proto === 17) {
      ev.tcp = undefined; ev.icmp = undefined;
      if (avail < 8) {
        this.ports(buf, t, avail);
        ev.udp = undefined;
        ev.payload_len = payload > 8 ? payload - 8 : 0;
        this.stats.count(R.truncated_udp);
        return ev;
      }
      const dv = this.view;
      ev.src.port = dv.getUint16(t);
      ev.dst.port = dv.getUint16(t + 2);
      const udp = this.parts.udp;
      udp.len = dv.getUint16(t + 4);
      ev.udp = udp;
      ev.payload_len = payload > 8 ? payload - 8 : 0;
      return ev;
    }
    if ((proto === 1 && !v6) || (proto === 58 && v6)) return this.icmp(buf, t, end, payload, v6);
    this.noTransport(ev.proto, payload);
    if (HAS_PORTS[proto] === 1) this.ports(buf, t, avail);
    return ev;
  }

  private icmp(buf: Uint8Array, t: number, end: number, payload: number, v6: boolean): PacketEvent {
    const ev = this.ev;
    ev.tcp = undefined; ev.udp = undefined;
    ev.src.port = 0; ev.dst.port = 0;
    ev.payload_len = payload > 8 ? payload - 8 : 0;
    if (end - t < 4) { ev.icmp = undefined; this.stats.count(R.truncated_icmp); return ev; }
    const icmp = this.parts.icmp;
    const type = buf[t];
    icmp.type = type;
    icmp.code = buf[t + 1];
    icmp.orig = undefined;
    ev.icmp = icmp;
    const isError = v6 ? type >= 1 && type <= 4 : ICMP4_ERROR[type] === 1;
    if (isError) this.embedded(buf, t + 8, end, v6);
    return ev;
  }

  /** The original datagram quoted by an ICMP error, starting at `q`. */
  private embedded(buf: Uint8Array, q: number, end: number, v6: boolean): void {
    const orig = this.parts.orig;
    let proto: number, tp: number;
    if (!v6) {
      if (end - q < 20 || buf[q] >> 4 !== 4) { this.stats.count(R.truncated_icmp_orig); return; }
      const ihl = (buf[q] & 15) << 2;
      proto = buf[q + 9];
      orig.src.ip = ipv4Text(buf, q + 12);
      orig.dst.ip = ipv4Text(buf, q + 16);
      tp = q + (ihl < 20 ? 20 : ihl);
      // A quoted non-first fragment has no ports to report.
      if ((((buf[q + 6] << 8) | buf[q + 7]) & 0x1fff) !== 0) tp = -1;
    } else {
      if (end - q < 40 || buf[q] >> 4 !== 6) { this.stats.count(R.truncated_icmp_orig); return; }
      orig.src.ip = ipv6Text(buf, q + 8);
      orig.dst.ip = ipv6Text(buf, q + 24);
      // The outer packet's walk results are already copied out, so the walker can be reused.
      this.walkIpv6(buf, q + 40, end, buf[q + 6]);
      proto = this.wNext;
      tp = this.wBroken >= 0 || this.wFrag > 0 ? -1 : this.wOff;
      // A quote cut inside its extension headers is as short as an IPv4 quote cut before the ports.
      if (this.wBroken === R.truncated_ipv6_ext) this.stats.count(R.truncated_icmp_orig);
    }
    orig.proto = PROTO_TEXT[proto];
    this.parts.icmp.orig = orig;
    if (HAS_PORTS[proto] === 1 && tp >= 0) {
      if (tp + 4 <= end) {
        orig.src.port = (buf[tp] << 8) | buf[tp + 1];
        orig.dst.port = (buf[tp + 2] << 8) | buf[tp + 3];
        return;
      }
      this.stats.count(R.truncated_icmp_orig);
    }
    orig.src.port = undefined;
    orig.dst.port = undefined;
  }

  private ports(buf: Uint8Array, t: number, avail: number): void {
    const ev = this.ev;
    if (avail >= 4) {
      ev.src.port = (buf[t] << 8) | buf[t + 1];
      ev.dst.port = (buf[t + 2] << 8) | buf[t + 3];
    } else { ev.src.port = 0; ev.dst.port = 0; }
  }

  private noTransport(proto: string, payload: number): void {
    const ev = this.ev;
    ev.proto = proto;
    ev.tcp = undefined; ev.udp = undefined; ev.icmp = undefined;
    ev.src.port = 0; ev.dst.port = 0;
    ev.payload_len = payload;
  }

  /** A new view per new buffer: cheap for the capture reader's few chunk buffers, a small cost per packet for callers that pass a sub-array each time (use decodeAt instead). */
  private bind(buf: Uint8Array): DataView<ArrayBufferLike> {
    this.viewOf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return this.view;
  }

  private drop(reason: number): null {
    this.stats.count(reason);
    return null;
  }
}
