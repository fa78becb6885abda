/** Splits a template into literal text and `{{ expression }}` holes. */

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'hole'; readonly source: string; readonly offset: number };

export type SplitResult = { ok: true; parts: TemplatePart[] } | { ok: false; offset: number; length: number; message: string };

/**
 * A hole ends at the first `}}` outside string literals and object-literal
 * braces, so `{{ {"a": {"b": 1}} }}` and `{{ '}}' }}` work. A literal `{{`
 * is written as the hole `{{ '{{' }}`.
 */
export function splitTemplate(source: string): SplitResult {
  const parts: TemplatePart[] = [];
  let i = 0;
  let text = '';
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) { text += source.slice(i); break; }
    text += source.slice(i, open);
    let j = open + 2;
    let quote = '';
    let depth = 0;
    let end = -1;
    for (; j < source.length; j++) {
      const c = source[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0 && source[j + 1] === '}') { end = j; break; }
        if (depth > 0) depth--;
      }
    }
    if (end < 0) return { ok: false, offset: open, length: 2, message: '`{{` has no closing `}}`; close the hole, or write a literal `{{` as {{ \'{{\' }}' };
    const hole = source.slice(open + 2, end);
    if (hole.trim() === '') return { ok: false, offset: open, length: end + 2 - open, message: 'the hole `{{}}` is empty; put an expression inside, e.g. {{ src.ip }}' };
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push({ kind: 'hole', source: hole, offset: open + 2 });
    i = end + 2;
  }
  if (text) parts.push({ kind: 'text', text });
  return { ok: true, parts };
}

/**
 * Longest text a template renders, in UTF-16 code units. An event field can
 * be large (a JSON-lines line may be 1 MiB) and a hit's message or action
 * parameter copies it into every output line, log and notification; past
 * this the text is cut and says how much was left out. Large enough for any
 * message or webhook body a rule means to write.
 */
export const MAX_RENDERED_CHARS = 16_384;

/** `text` cut to MAX_RENDERED_CHARS in all, with a marker saying how many characters were left out; never splits a surrogate pair. */
export function capRendered(text: string): string {
  if (text.length <= MAX_RENDERED_CHARS) return text;
  const marker = (n: number) => `… [${n} more characters]`;
  let keep = MAX_RENDERED_CHARS - marker(text.length).length;
  const c = text.charCodeAt(keep - 1);
  if (c >= 0xd800 && c <= 0xdbff) keep--;
  return text.slice(0, keep) + marker(text.length - keep);
}

/** How a hole's value reads in text: missing as "", numbers and booleans as JavaScript prints them, objects and lists as JSON. */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'object') { try { return JSON.stringify(v) ?? ''; } catch { return ''; } }
  return '';
}
