/**
 * Formatting helpers for messages, chiefly the scanlogd pack's log line.
 * The plain functions are exported too, for tests and other modules.
 */
import type { HelperSpec } from './types.ts';

const FLAG_LETTERS = 'fsrpauxy';

/**
 * scanlogd's 8-character flag summary. Bit i (FIN=0 … 0x80=7) is its letter
 * upper-cased when set in every packet (set in `andMask`), lower-cased when
 * clear in every packet (clear in `orMask`), `?` when it varied.
 * A plain SYN scan gives "fSrpauxy".
 */
export function flagmask(orMask: unknown, andMask: unknown): string | undefined {
  if (!isByte(orMask) || !isByte(andMask)) return undefined;
  let out = '';
  for (let i = 0; i < 8; i++) {
    const m = 1 << i;
    if ((orMask & m) !== (andMask & m)) out += '?';
    else out += orMask & m ? FLAG_LETTERS[i].toUpperCase() : FLAG_LETTERS[i];
  }
  return out;
}

function isByte(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 255;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * UTC time of `ts` (ms since epoch) in a strftime subset: %Y %m %d %H %M %S
 * %j, %L (milliseconds), %F (%Y-%m-%d), %T and %X (%H:%M:%S), %s (seconds
 * since epoch), %%. A format without `%` may use the tokens YYYY, DD, HH,
 * MM (minutes) and SS. Default "%X", scanlogd's format.
 */
export function timeUtc(ts: unknown, format: unknown = '%X'): string | undefined {
  if (typeof ts !== 'number' || !Number.isFinite(ts) || typeof format !== 'string') return undefined;
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return undefined;
  const fmt = format.includes('%') ? format : format.replace(/YYYY|DD|HH|MM|SS/g, (t) => ({ YYYY: '%Y', DD: '%d', HH: '%H', MM: '%M', SS: '%S' })[t as 'YYYY']);
  return fmt.replace(/%(.)/g, (whole, c: string) => {
    switch (c) {
      case 'Y': return String(d.getUTCFullYear());
      case 'm': return pad(d.getUTCMonth() + 1, 2);
      case 'd': return pad(d.getUTCDate(), 2);
      case 'H': return pad(d.getUTCHours(), 2);
      case 'M': return pad(d.getUTCMinutes(), 2);
      case 'S': return pad(d.getUTCSeconds(), 2);
      case 'L': return pad(d.getUTCMilliseconds(), 3);
      case 'j': return pad(Math.floor((ts - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3);
      case 'F': return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
      case 'T': case 'X': return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
      case 's': return String(Math.floor(ts / 1000));
      case '%': return '%';
      default: return whole;
    }
  });
}

/** Lower-case hexadecimal of a non-negative integer, zero-padded to `width` digits. */
export function hex(n: unknown, width: unknown = 0): string | undefined {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return undefined;
  const w = typeof width === 'number' && Number.isInteger(width) && width > 0 && width <= 64 ? width : 0;
  return n.toString(16).padStart(w, '0');
}

/** Elements of a list as text joined by `sep` (default ", "); missing elements as "". */
export function join(list: unknown, sep: unknown = ', '): string | undefined {
  if (!Array.isArray(list)) return undefined;
  const s = typeof sep === 'string' ? sep : String(sep);
  return list.map((e) => (e === undefined || e === null ? '' : typeof e === 'object' ? JSON.stringify(e) : String(e))).join(s);
}

/** scanlogd's line length limit (160 − 40, sized for an SMS). */
export const SCANLOGD_MAX_LENGTH = 120;
// " to " + "..., " + 8 flag letters + " @": the fixed part of a line.
const FIXED_PART = 4 + 5 + 8 + 2;

/**
 * scanlogd's log line:
 * `SRC[:SPORT] to DST[ and others,] ports P1, P2, ..., FLAGS[, TOS xx][, TTL n] @HH:MM:SS`.
 * `sport`, `tos`, `ttl` are null when they varied during the scan; `others`
 * is true when the scan touched more than one destination; `ports` should
 * omit the port that crossed the threshold, as scanlogd does. Ports are
 * listed until the destination part reaches 120 characters, then trailing
 * ports are dropped until the whole line fits in 120 (one port is always
 * kept). Time is the scan start, in UTC.
 */
export function scanlogdLine(
  src: unknown, sport: unknown, dst: unknown, others: unknown, ports: unknown,
  orMask: unknown, andMask: unknown, tos: unknown, ttl: unknown, startTs: unknown,
): string | undefined {
  if (typeof src !== 'string' || typeof dst !== 'string' || !Array.isArray(ports)) return undefined;
  const flags = flagmask(orMask, andMask);
  const time = timeUtc(startTs, '%X');
  if (flags === undefined || time === undefined) return undefined;
  const saddr = sport === null || sport === undefined ? src : `${src}:${String(sport)}`;
  const tosPart = tos === null || tos === undefined ? '' : `, TOS ${hex(tos, 2) ?? String(tos)}`;
  const ttlPart = ttl === null || ttl === undefined ? '' : `, TTL ${String(ttl)}`;
  const head = `${dst}${others === true ? ' and others,' : ''} ports `;
  let limit = ports.length;
  let daddr: string;
  for (;;) {
    daddr = head;
    for (let i = 0; i < limit; i++) {
      if (daddr.length >= SCANLOGD_MAX_LENGTH) { limit = i; break; }
      daddr += `${String(ports[i])}, `;
    }
    const length = saddr.length + daddr.length + tosPart.length + ttlPart.length + time.length + FIXED_PART;
    if (length <= SCANLOGD_MAX_LENGTH || --limit <= 0) break;
  }
  return `${saddr} to ${daddr}..., ${flags}${tosPart}${ttlPart} @${time}`;
}

export const FORMAT_HELPERS: readonly HelperSpec[] = [
  {
    name: 'flagmask', signature: 'flagmask(or_mask, and_mask)',
    description: "scanlogd's flag summary: 8 letters `fsrpauxy` for TCP flag bits 0–7, upper-case when set in every packet, lower-case when clear in every packet, `?` when it varied.",
    example: 'flagmask(data.flags_or, data.flags_and)  →  "fSrpauxy"',
    minArgs: 2, maxArgs: 2, make: () => flagmask,
  },
  {
    name: 'time_utc', signature: 'time_utc(ts, format = "%X")',
    description: 'UTC time of ts (ms) in a strftime subset: %Y %m %d %H %M %S %j %L %F %T %X %s %%; without `%`, the tokens YYYY DD HH MM SS.',
    example: 'time_utc(first_ts, "%H:%M:%S")  →  "12:00:00"',
    minArgs: 1, maxArgs: 2, make: () => timeUtc,
  },
  {
    name: 'hex', signature: 'hex(n, width = 0)', description: 'Lower-case hex of a non-negative integer, zero-padded to width.',
    example: 'hex(ip.tos, 2)  →  "0a"', minArgs: 1, maxArgs: 2, make: () => hex,
  },
  {
    name: 'join', signature: 'join(list, sep = ", ")', description: 'List elements as text joined by sep.',
    example: 'join(data.ports, " ")', minArgs: 1, maxArgs: 2, make: () => join,
  },
  {
    name: 'scanlogd_line', signature: 'scanlogd_line(src, sport, dst, others, ports, or_mask, and_mask, tos, ttl, start_ts)',
    description: "scanlogd's exact log line (120-character limit, `..., ` before the flags, UTC time). Pass null for sport/tos/ttl when they varied.",
    example: 'scanlogd_line(src.ip, 40000, dst.ip, false, [21, 22], 2, 2, 0, 64, first_ts)',
    minArgs: 10, maxArgs: 10, make: () => scanlogdLine as (...a: unknown[]) => unknown,
  },
];
