/**
 * PacketDecoder: captured frame bytes to a vigil `packet` event.
 *
 * Events are ephemeral. `decode` fills and returns ONE event object that the
 * decoder owns and overwrites on the next call (its nested `src`, `ip`,
 * `tcp`… objects are reused too). A consumer that keeps anything beyond the
 * call — a field value is fine, strings and numbers are immutable — must copy
 * the object (`structuredClone(ev)`) rather than hold the reference.
 * One part is not reused but shared: `tcp.flags` is a frozen object per
 * flags byte (protocol-names.ts), so it stays valid after the next call.
 *
 * Checksums are not verified: captures taken on the sending host carry
 * whatever checksum offloading left there, so a bad one proves nothing.
 *
 * The decoder never throws on packet content: a frame it cannot use returns
 * null and counts why in `stats` (see stats.ts for every reason). A frame
 * whose IP header is whole and self-consistent always yields an event; see
 * network.ts for what a truncated transport header leaves out.
 *
 * NFLOG (linktype 239): `prefix` is the rule's log prefix, `ts` the kernel's
 * timestamp TLV when the record has one (else the capture time), `bytes` the
 * logged packet's length rather than the record's, and `iface` the input
 * device index as text unless the caller names an interface.
 */
import type { VigilEvent } from '../event.generated.ts';
import { LINKTYPE } from './linktypes.ts';
import { NetworkDecoder } from './network.ts';
import { NflogRecord, parseNflog } from './nflog.ts';
import { newPacketParts, type PacketEvent, type PacketParts } from './packet-event.ts';
import { DecodeStats, R } from './stats.ts';
import { isEventTime } from '../event-time.ts';

export interface PacketDecoderOptions {
  /** Value of the events' `input` field (the input instance name). */
  input?: string;
}

const MAX_VLAN_TAGS = 4;
const UTF8 = new TextDecoder();
const INDEX_TEXT: string[] = [];

function indexText(n: number): string {
  if (n < 4096) return (INDEX_TEXT[n] ??= String(n));
  return String(n);
}

export class PacketDecoder {
  /** Counts of packets seen, decoded, and every reason a packet was dropped or shortened. */
  readonly stats = new DecodeStats();
  private readonly parts: PacketParts;
  private readonly ev: PacketEvent;
  private readonly net: NetworkDecoder;
  private readonly nflog = new NflogRecord();
  private prefixBytes = new Uint8Array(0);
  private prefixText: string | undefined = undefined;

  constructor(opts: PacketDecoderOptions = {}) {
    this.parts = newPacketParts(opts.input ?? 'decoder');
    this.ev = this.parts.ev;
    this.net = new NetworkDecoder(this.parts, this.stats);
  }

  /**
   * Decodes one captured frame `data[0..caplen)` of link type `linktype`.
   * `origLen` is the frame's length on the wire (≥ caplen when the capture
   * was cut by its snaplen), `tsMs` its capture time in ms since the epoch.
   * Returns the decoder's reused event (valid until the next call) or null.
   */
  decode(linktype: number, data: Uint8Array, caplen: number, origLen: number, tsMs: number, iface?: string): VigilEvent | null {
    return this.decodeAt(linktype, data, 0, caplen, origLen, tsMs, iface);
  }

  /** As `decode`, for a frame that starts at `offset` inside a larger buffer (no sub-array needed). */
  decodeAt(linktype: number, buf: Uint8Array, offset: number, caplen: number, origLen: number, tsMs: number, iface?: string): PacketEvent | null {
    this.stats.packets++;
    let end = offset + caplen;
    if (end > buf.length) end = buf.length;
    const ev = this.ev;
    ev.ts = tsMs;
    ev.iface = iface;
    // A record claiming fewer bytes on the wire than it captured is damaged; the capture is the better truth.
    ev.bytes = origLen < caplen ? caplen : origLen;
    ev.prefix = undefined;
    if (!isEventTime(tsMs)) return this.drop(R.bad_timestamp);
    const r = this.link(linktype, buf, offset, end, origLen < caplen ? caplen : origLen);
    if (r !== null) this.stats.decoded++;
    return r;
  }

  /** Sets the `input` field of every event from now on. */
  setInput(name: string): void { this.ev.input = name; }

  private link(lt: number, buf: Uint8Array, o: number, end: number, orig: number): PacketEvent | null {
    switch (lt) {
      case LINKTYPE.ETHERNET: {
        if (end - o < 14) return this.drop(R.truncated_link_header);
        return this.byEthertype((buf[o + 12] << 8) | buf[o + 13], buf, o + 14, end, orig - 14);
      }
      case LINKTYPE.LINUX_SLL: {
        if (end - o < 16) return this.drop(R.truncated_link_header);
        return this.byEthertype((buf[o + 14] << 8) | buf[o + 15], buf, o + 16, end, orig - 16);
      }
      case LINKTYPE.LINUX_SLL2: {
        if (end - o < 20) return this.drop(R.truncated_link_header);
        return this.byEthertype((buf[o] << 8) | buf[o + 1], buf, o + 20, end, orig - 20);
      }
      case LINKTYPE.RAW: case LINKTYPE.RAW_DLT12: case LINKTYPE.RAW_DLT14:
        return this.byVersion(buf, o, end, orig);
      case LINKTYPE.IPV4:
        return this.net.ipv4(buf, o, end, orig);
      case LINKTYPE.IPV6:
        return this.net.ipv6(buf, o, end, orig);
      case LINKTYPE.NULL: case LINKTYPE.LOOP: {
        if (end - o < 4) return this.drop(R.truncated_link_header);
        // DLT_NULL's family is in the writer's byte order; a family fits in one byte, so the non-zero end tells.
        const family = lt === LINKTYPE.LOOP || buf[o] === 0
          ? ((buf[o + 2] << 8) | buf[o + 3])
          : (buf[o] | (buf[o + 1] << 8));
        if (family === 2) return this.net.ipv4(buf, o + 4, end, orig - 4);
        if (family === 10 || family === 24 || family === 28 || family === 30) return this.net.ipv6(buf, o + 4, end, orig - 4);
        return this.drop(R.not_ip);
      }
      case LINKTYPE.NFLOG:
        return this.nflogRecord(buf, o, end);
      default:
        return this.drop(R.unsupported_linktype);
    }
  }

  /** Dispatches on an ethertype (Ethernet, cooked captures), skipping 802.1Q/802.1ad tags first. */
  private byEthertype(type: number, buf: Uint8Array, p: number, end: number, rest: number): PacketEvent | null {
    for (let tags = 0; type === 0x8100 || type === 0x88a8 || type === 0x9100; tags++) {
      if (tags === MAX_VLAN_TAGS) return this.drop(R.too_many_vlan_tags);
      if (p + 4 > end) return this.drop(R.truncated_link_header);
      type = (buf[p + 2] << 8) | buf[p + 3];
      p += 4;
      rest -= 4;
    }
    if (type === 0x0800) return this.net.ipv4(buf, p, end, rest);
    if (type === 0x86dd) return this.net.ipv6(buf, p, end, rest);
    return this.drop(R.not_ip);
  }

  private byVersion(buf: Uint8Array, p: number, end: number, rest: number): PacketEvent | null {
    if (p >= end) return this.drop(R.truncated_ip_header);
    const v = buf[p] >> 4;
    if (v === 4) return this.net.ipv4(buf, p, end, rest);
    if (v === 6) return this.net.ipv6(buf, p, end, rest);
    return this.drop(R.bad_ip_version);
  }

  private nflogRecord(buf: Uint8Array, o: number, end: number): PacketEvent | null {
    if (end - o < 4) return this.drop(R.truncated_link_header);
    const rec = this.nflog;
    if (!parseNflog(buf, o, end, rec)) return this.drop(R.nflog_no_payload);
    const ev = this.ev;
    // A zero timestamp TLV means the kernel had none to give; the capture time is better than 1970.
    if (rec.tsMs > 0) {
      if (!isEventTime(rec.tsMs)) return this.drop(R.bad_timestamp);
      ev.ts = rec.tsMs;
    }
    if (ev.iface === undefined && rec.indev >= 0) ev.iface = indexText(rec.indev);
    ev.bytes = rec.payloadLen;
    const r = rec.family === 2 ? this.net.ipv4(buf, rec.payloadOff, rec.payloadEnd, rec.payloadLen)
      : rec.family === 10 ? this.net.ipv6(buf, rec.payloadOff, rec.payloadEnd, rec.payloadLen)
      : this.byVersion(buf, rec.payloadOff, rec.payloadEnd, rec.payloadLen);
    if (r !== null && rec.prefixOff >= 0) ev.prefix = this.prefix(buf, rec.prefixOff, rec.prefixEnd);
    return r;
  }

  /** Prefixes repeat (one per firewall rule), so the last one's text is reused when the bytes match. */
  private prefix(buf: Uint8Array, s: number, e: number): string {
    const last = this.prefixBytes, n = e - s;
    if (this.prefixText !== undefined && last.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) if (last[i] !== buf[s + i]) { same = false; break; }
      if (same) return this.prefixText;
    }
    // Copy: a Buffer's slice() is a view, and the capture buffer is overwritten.
    this.prefixBytes = Uint8Array.prototype.slice.call(buf, s, e);
    this.prefixText = UTF8.decode(this.prefixBytes);
    return this.prefixText;
  }

  private drop(reason: number): null {
    this.stats.count(reason);
    return null;
  }
}
