/**
 * IPv4 text ⇄ uint32, without allocation on the parse path (conditions call
 * it per event).
 */

/** Parses a dotted quad ("10.0.0.1") to an unsigned 32-bit number, or -1 when the text is not one. Leading zeros are refused: "010" is octal to inet_aton and decimal to others. */
// One-entry memo: the conditions of one event ask about the same address text
// many times (is_local, is_gateway, is_allowed, cidr on src.ip), usually as the
// very same string object, which compares in one step.
let memoText = '';
let memoValue = -1;

export function parseIPv4(text: string): number {
  if (text === memoText) return memoValue;
  const v = parseIPv4Text(text);
  memoText = text;
  memoValue = v;
  return v;
}

function parseIPv4Text(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0; digits = 0; dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

export function formatIPv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Network mask of a prefix length as uint32 (0 for /0, 0xffffffff for /32). */
export function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}
