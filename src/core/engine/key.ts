/**
 * Canonical key strings. A single-part key is the value's own string (no
 * allocation for string fields such as `src.ip`); parts of a multi-part key
 * are joined with U+001F, which cannot occur in addresses, ports or names.
 */
export const KEY_SEP = '\u001f';

export function partString(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

export function encodeKey(parts: readonly unknown[]): string {
  if (parts.length === 1) return partString(parts[0]);
  let s = '';
  for (let i = 0; i < parts.length; i++) s += (i ? KEY_SEP : '') + partString(parts[i]);
  return s;
}
