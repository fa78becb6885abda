/**
 * Canonical key strings. A single-part key is the value's own string (no
 * allocation for string fields such as `src.ip`); parts of a multi-part key
 * are joined with U+001F, which cannot occur in addresses, ports or names.
 */
export const KEY_SEP = '\u001f';

export function partString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function encodeKey(parts: readonly unknown[]): string {
  if (parts.length === 1) return partString(parts[0]);
  let s = '';
  for (let i = 0; i < parts.length; i++) s += (i ? KEY_SEP : '') + partString(parts[i]);
  return s;
}

/**
 * A value safe to keep after the event is gone: primitives as they are,
 * objects copied (inputs reuse their event objects and sub-objects).
 */
export function detach(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}

/** Copy of a key tuple to keep in per-key state. */
export function copyKey(key: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(key.length);
  for (let i = 0; i < key.length; i++) out[i] = detach(key[i]);
  return out;
}
