/** Argument handling shared by helpers. */
import type { ArgProblem, HelperContext } from './types.ts';
import { suggestion } from '../../text/nearest.ts';

export function unknownList(helper: string, name: unknown, lists: HelperContext['lists']): ArgProblem {
  const otherwise = 'define it under `lists:` in a rule file';
  const fix = typeof name === 'string' ? suggestion(name, Object.keys(lists), { otherwise }) : `; ${otherwise}`;
  return {
    code: 'VGL_EXPR_UNKNOWN_LIST',
    message: `${helper}() names the list ${JSON.stringify(name)}, which is not defined${fix}`,
  };
}

/** A port number 0..65535 from a number or decimal text; -1 otherwise. */
export function toPort(p: unknown): number {
  const n = typeof p === 'string' && p.trim() !== '' ? Number(p) : p;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : -1;
}
