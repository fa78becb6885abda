/**
 * Why the decoder dropped or shortened a packet. Every reason is a fixed
 * name, so a report (and a metric per reason) has bounded cardinality.
 *
 * Two families:
 * - dropped: the decoder returned null (link or IP layer unusable, or not IP);
 * - partial: the IP header was whole, so an event was still produced, but the
 *   transport part was cut short or inconsistent and its fields are missing.
 */
export const DROP_REASONS = {
  bad_timestamp: 'The record\'s time is outside what a date can hold (±8.64e15 ms since the epoch): a damaged capture record.',
  unsupported_linktype: 'The capture link type is not one the decoder knows.',
  truncated_link_header: 'The frame is shorter than its link-layer header (Ethernet, cooked, loopback, NFLOG).',
  too_many_vlan_tags: 'More than 4 stacked 802.1Q/802.1ad tags.',
  not_ip: 'The frame carries something other than IPv4/IPv6 (ARP, LLDP…); skipped, not malformed.',
  nflog_no_payload: 'An NFLOG record without a payload TLV, or a TLV whose length runs past the record.',
  truncated_ip_header: 'Fewer bytes than a fixed IPv4 (20) or IPv6 (40) header.',
  bad_ip_version: 'The IP version nibble does not match the link-layer protocol (or is neither 4 nor 6).',
  ipv4_header_too_short: 'IPv4 IHL below 5, or the options run past the captured bytes.',
  ipv4_bad_total_length: 'IPv4 total length smaller than its own header.',
} as const;

export const PARTIAL_REASONS = {
  truncated_tcp: 'Fewer than 20 TCP header bytes present; ports kept when 4 bytes are there.',
  bad_tcp_offset: 'TCP data offset below 5 or past the IP payload; payload_len is 0.',
  truncated_udp: 'Fewer than 8 UDP header bytes present; ports kept when 4 bytes are there.',
  truncated_icmp: 'Fewer than 4 ICMP/ICMPv6 bytes present.',
  truncated_icmp_orig: 'An ICMP error whose embedded original header is cut short; icmp.orig has what was present.',
  truncated_ipv6_ext: 'An IPv6 extension header runs past the captured bytes; proto is the header that was cut.',
  ipv6_ext_chain_too_long: 'More than 16 IPv6 extension headers; walking stopped.',
} as const;

export type DropReason = keyof typeof DROP_REASONS;
export type PartialReason = keyof typeof PARTIAL_REASONS;
export type DecodeReason = DropReason | PartialReason;

const NAMES = [...Object.keys(DROP_REASONS), ...Object.keys(PARTIAL_REASONS)] as DecodeReason[];

/** Reason indexes, so the hot path bumps a typed-array slot instead of a property by name. */
export const R: { readonly [K in DecodeReason]: number } = Object.fromEntries(NAMES.map((n, i) => [n, i])) as { [K in DecodeReason]: number };
const DROP_COUNT = Object.keys(DROP_REASONS).length;

export interface DecodeStatsSnapshot {
  /** Packets handed to the decoder. */
  packets: number;
  /** Events produced (whole or partial). */
  decoded: number;
  /** Events produced with some transport fields missing. */
  partial: number;
  /** Packets that produced no event. */
  dropped: number;
  /** Count per reason, only reasons seen. */
  reasons: Partial<Record<DecodeReason, number>>;
}

export class DecodeStats {
  packets = 0;
  decoded = 0;
  private readonly counts = new Float64Array(NAMES.length);

  /** Counts a reason; the decoder calls this once per packet per problem. */
  count(reason: number): void { this.counts[reason]++; }

  /** How often `reason` was seen. */
  get(reason: DecodeReason): number { return this.counts[R[reason]]; }

  snapshot(): DecodeStatsSnapshot {
    const reasons: Partial<Record<DecodeReason, number>> = {};
    let dropped = 0, partial = 0;
    for (let i = 0; i < NAMES.length; i++) {
      const c = this.counts[i];
      if (c === 0) continue;
      reasons[NAMES[i]] = c;
      if (i < DROP_COUNT) dropped += c; else partial += c;
    }
    // `partial` counts reasons; a packet has at most one partial reason.
    return { packets: this.packets, decoded: this.decoded, partial, dropped, reasons };
  }

  reset(): void { this.packets = 0; this.decoded = 0; this.counts.fill(0); }
}
