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

/** IP protocols whose header starts with 16-bit source and destination ports. */
export const HAS_PORTS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const p of [6, 17, 33 /* DCCP */, 132 /* SCTP */, 136 /* UDP-Lite */]) t[p] = 1;
  return t;
})();
