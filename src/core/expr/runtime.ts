/**
 * The few operations compiled expressions call instead of inlining, each
 * keeping one piece of jexl's evaluation semantics exactly.
 */

/**
 * `a.b` on a value of unknown shape: undefined on null/undefined, element 0
 * of an array (jexl reads arrays that way). Only the value's own data is
 * read, never a method or anything else found through its prototype
 * (`rule.concat` on a string is undefined): an expression sees data, not code.
 */
export function getProp(v: unknown, name: string): unknown {
  if (v === undefined || v === null) return undefined;
  const o = (Array.isArray(v) ? v[0] : v) as Record<string, unknown>;
  const r = o[name];
  return r === undefined || typeof r === 'function' || !Object.hasOwn(o, name) ? undefined : r;
}

/**
 * `x[expr]` when expr has no relative identifier: true keeps x, false gives
 * undefined, anything else indexes. Unlike jexl, an index reads only own
 * data, as getProp does: a string key reaches names the lexer refuses after
 * a dot, and `x["constructor"]["constructor"]` would be Function. Indexing
 * undefined still throws (the expression is undefined), as in jexl.
 */
export function filterStatic(subject: unknown, res: unknown): unknown {
  if (typeof res === 'boolean') return res ? subject : undefined;
  const r = (subject as Record<PropertyKey, unknown>)[res as PropertyKey];
  return r === undefined || typeof r === 'function' || !Object.hasOwn(subject as object, res as PropertyKey) ? undefined : r;
}

/** `x[.p > 1]`: the elements for which the predicate is truthy; a non-array subject is treated as a one-element list. */
export function filterRelative(subject: unknown, scope: object, pred: (s: object, r: unknown) => unknown): unknown[] {
  const list: readonly unknown[] = Array.isArray(subject) ? subject : subject === undefined ? [] : [subject];
  const out: unknown[] = [];
  for (let i = 0; i < list.length; i++) if (pred(scope, list[i])) out.push(list[i]);
  return out;
}

/** jexl's `in`: substring on strings, strict membership on arrays, else false. */
export function inOp(left: unknown, right: unknown): boolean {
  if (typeof right === 'string') return right.indexOf(left as string) !== -1;
  if (Array.isArray(right)) return right.some((e) => e === left);
  return false;
}
