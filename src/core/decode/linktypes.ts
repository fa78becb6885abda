/**
 * Link-layer header types (tcpdump.org/linktypes.html) the decoder reads.
 * The numbers are those written in pcap/pcapng files; DLT_RAW has
 * platform-dependent aliases (12 on most systems, 14 on OpenBSD) which some
 * writers leak into files, so both are accepted.
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  LINUX_SLL2: 276,
} as const;

/** Human names for messages and docs. */
export const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'BSD loopback (NULL)',
  1: 'Ethernet',
  12: 'raw IP (DLT_RAW)',
  14: 'raw IP (OpenBSD DLT_RAW)',
  101: 'raw IP',
  108: 'OpenBSD loopback (LOOP)',
  113: 'Linux cooked v1 (SLL)',
  228: 'raw IPv4',
  229: 'raw IPv6',
  239: 'Linux NFLOG',
  276: 'Linux cooked v2 (SLL2)',
};

export function isSupportedLinktype(lt: number): boolean {
  return Object.prototype.hasOwnProperty.call(LINKTYPE_NAMES, lt);
}
