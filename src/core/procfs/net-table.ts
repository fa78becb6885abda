/**
 * Parses the kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}.
 * Addresses are hex in host byte order per 32-bit word (little-endian on
 * every platform vigil runs on): IPv4 "0100007F" is 127.0.0.1; IPv6 is
 * four such words. Ports are plain big hex ("0016" = 22).
 */
import { formatIpv6 } from '../decode/ip-text.ts';

export type NetTable = 'tcp' | 'tcp6' | 'udp' | 'udp6';
export const NET_TABLES: readonly NetTable[] = ['tcp', 'tcp6', 'udp', 'udp6'];

export interface SocketRow {
  readonly table: NetTable;
  readonly proto: 'tcp' | 'udp';
  /** 4 or 6; IPv4-mapped addresses in the v6 tables are reported as IPv4. */
  readonly version: 4 | 6;
  readonly localIp: string;
  readonly localPort: number;
  /** Null when the socket has no peer (listening, unconnected UDP). */
  readonly remoteIp: string | null;
  readonly remotePort: number;
  readonly state: string;
  readonly uid: number;
  readonly inode: number;
}

const TCP_STATES: Readonly<Record<number, string>> = {
  0x01: 'ESTABLISHED', 0x02: 'SYN_SENT', 0x03: 'SYN_RECV', 0x04: 'FIN_WAIT1', 0x05: 'FIN_WAIT2', 0x06: 'TIME_WAIT',
  0x07: 'CLOSE', 0x08: 'CLOSE_WAIT', 0x09: 'LAST_ACK', 0x0a: 'LISTEN', 0x0b: 'CLOSING', 0x0c: 'NEW_SYN_RECV',
};

const bytes16 = new Uint8Array(16);

/** "0100007F" → "127.0.0.1" */
export function hexIpv4(hex: string): string {
  const v = parseInt(hex, 16);
  return `${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${v >>> 24}`;
}

/** 32 hex digits, four little-endian words → canonical text; IPv4-mapped → dotted quad. */
export function hexIpv6(hex: string): string {
  for (let w = 0; w < 4; w++) {
    const v = parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    bytes16[w * 4] = v & 255; bytes16[w * 4 + 1] = (v >>> 8) & 255; bytes16[w * 4 + 2] = (v >>> 16) & 255; bytes16[w * 4 + 3] = v >>> 24;
  }
  const text = formatIpv6(bytes16, 0);
  return text.startsWith('::ffff:') && text.includes('.') ? text.slice(7) : text;
}

const isZeroAddr = (ip: string): boolean => ip === '0.0.0.0' || ip === '::';

// parseInt accepts a valid prefix ("01zz" is 1) and turns garbage into NaN, which the
// address formatters then print as 0.0.0.0: every field is checked whole before use.
const HEX_RE = /^[0-9A-Fa-f]+$/;
const DEC_RE = /^[0-9]+$/;

/** `addr:port` with an address of exactly `hexLen` digits and a 4-digit port, or null. */
function splitEndpoint(field: string, hexLen: number): { addr: string; port: number } | null {
  if (field.length !== hexLen + 5 || field.charCodeAt(hexLen) !== 58) return null;
  const addr = field.slice(0, hexLen), port = field.slice(hexLen + 1);
  if (!HEX_RE.test(addr) || !HEX_RE.test(port)) return null;
  return { addr, port: parseInt(port, 16) };
}

/** Longest sample of a bad line kept for the log: enough to recognise it, bounded however long the line. */
const SAMPLE_MAX = 160;

export interface ParsedNetTable {
  rows: SocketRow[];
  /** Lines that did not parse; they are skipped. */
  bad: number;
  /** The first bad line (truncated), for a log message that says what was wrong. */
  badSample: string | null;
}

/** Parse one table's text. Lines that do not parse are skipped and counted in `bad`. */
export function parseNetTable(table: NetTable, text: string): ParsedNetTable {
  const rows: SocketRow[] = [];
  const { bad, badSample } = visitNetTable(table, text, (r) => { rows.push(r); });
  return { rows, bad, badSample };
}

/**
 * Hands each row of one table's text to `visit` without collecting them, so a
 * caller that keeps only some rows (a poller with a cap) holds memory for
 * those alone, however large the table.
 */
export function visitNetTable(table: NetTable, text: string, visit: (r: SocketRow) => void): { bad: number; badSample: string | null } {
  let bad = 0;
  let badSample: string | null = null;
  const proto = table.startsWith('tcp') ? 'tcp' : 'udp';
  const v6 = table.endsWith('6');
  const hexLen = v6 ? 32 : 8;
  const f: string[] = new Array<string>(10);
  // Tokens are found by scanning, not by splitting: a big table has thousands of lines of ~17 fields.
  let pos = text.indexOf('\n') + 1;
  while (pos > 0 && pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const lineStart = pos;
    let n = 0;
    let i = pos;
    while (n < 10 && i < end) {
      while (i < end && text.charCodeAt(i) === 32) i++;
      if (i >= end) break;
      const j0 = i;
      while (i < end && text.charCodeAt(i) !== 32) i++;
      f[n++] = text.slice(j0, i);
    }
    pos = end + 1;
    if (n === 0) continue;
    const local = n < 10 ? null : splitEndpoint(f[1], hexLen);
    const remote = local === null ? null : splitEndpoint(f[2], hexLen);
    const ok = remote !== null && local !== null && f[3].length === 2 && HEX_RE.test(f[3]) && DEC_RE.test(f[7]) && DEC_RE.test(f[9]);
    if (!ok) {
      bad++;
      badSample ??= text.slice(lineStart, Math.min(end, lineStart + SAMPLE_MAX));
      continue;
    }
    const localIp = v6 ? hexIpv6(local.addr) : hexIpv4(local.addr);
    const remoteIpRaw = v6 ? hexIpv6(remote.addr) : hexIpv4(remote.addr);
    const remotePort = remote.port;
    const st = parseInt(f[3], 16);
    const state = proto === 'udp' ? (st === 0x01 ? 'ESTABLISHED' : 'UNCONN') : (TCP_STATES[st] ?? `STATE_${st}`);
    const noPeer = isZeroAddr(remoteIpRaw) && remotePort === 0;
    visit({
      table, proto,
      version: localIp.includes(':') ? 6 : 4,
      localIp, localPort: local.port,
      remoteIp: noPeer ? null : remoteIpRaw, remotePort,
      state, uid: Number(f[7]), inode: Number(f[9]),
    });
  }
  return { bad, badSample };
}
