import type { TcpFlags } from './packet-event.ts';

/** `proto` text per IP protocol number, built once so the hot path never formats numbers. */
export const PROTO_TEXT: readonly string[] = Array.from({ length: 256 }, (_, n) => {
  switch (n) {
    case 1: return 'icmp';
    case 6: return 'tcp';
    case 17: return 'udp';
    case 58: return 'icmp6';
    default: return String(n);
  }
});

/** Flag letters in the order FSRPAUEC, indexed by the TCP flags byte. */
export const TCP_FLAG_TEXT: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  let s = '';
  const letters = 'FSRPAUEC';
  for (let i = 0; i < 8; i++) if (b & (1 << i)) s += letters[i];
  return s;
});

/**
 * The `tcp.flags` object for each flags byte, built once: setting a packet's
 * flags is then one store instead of ten, and no branch per flag bit. Frozen
 * because every event with that byte shares it.
 */
export const TCP_FLAGS: readonly TcpFlags[] = Array.from({ length: 256 }, (_, b) => Object.freeze({
  syn: (b & 2) !== 0, ack: (b & 16) !== 0, fin: (b & 1) !== 0, rst: (b & 4) !== 0,
  psh: (b & 8) !== 0, urg: (b & 32) !== 0, ece: (b & 64) !== 0, cwr: (b & 128) !== 0,
  byte: b, str: TCP_FLAG_TEXT[b],
}));

/** IP protocols whose header starts with 16-bit source and destination ports. */
export const HAS_PORTS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const p of [6, 17, 33 /* DCCP */, 132 /* SCTP */, 136 /* UDP-Lite */]) t[p] = 1;
  return t;
})();
