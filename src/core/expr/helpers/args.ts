/** Argument handling shared by helpers. */
import type { ArgProblem, HelperContext } from './types.ts';
import { nearest } from '../suggest.ts';

export function unknownList(helper: string, name: unknown, lists: HelperContext['lists']): ArgProblem {
  const near = typeof name === 'string' ? nearest(name, Object.keys(lists)) : null;
  return {
    code: 'VGL_EXPR_UNKNOWN_LIST',
    message: `${helper}() names the list ${JSON.stringify(name)}, which is not defined${near ? `; did you mean "${near}"?` : '; define it under `lists:` in a rule file'}`,
  };
}

/** A port number 0..65535 from a number or decimal text; -1 otherwise. */
export function toPort(p: unknown): number {
  const n = typeof p === 'string' && p.trim() !== '' ? Number(p) : p;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : -1;
}
