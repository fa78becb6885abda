/** Helpers that look names up: lists of the ruleset and the engine's contexts. */
import type { HelperSpec, HelperFn, ArgProblem } from './types.ts';
import { unknownList } from './args.ts';

export const in_list: HelperSpec = {
  name: 'in_list',
  signature: 'in_list(x, "list_name")',
  description: 'x is a member of the named list (same as `x in list_name`).',
  example: 'in_list(dst.port, "hot_ports")',
  minArgs: 2,
  maxArgs: 2,
  make: (ctx) => (x, name) => {
    if (typeof name !== 'string' || !Object.hasOwn(ctx.lists, name)) return false;
    return ctx.lists[name].some((e) => e === x);
  },
  specialize(args, ctx): HelperFn | ArgProblem | null {
    const a = args[1];
    if (!a.isConst) return null;
    if (typeof a.value !== 'string' || !Object.hasOwn(ctx.lists, a.value)) return unknownList('in_list', a.value, ctx.lists);
    const set = new Set(ctx.lists[a.value].filter((e) => e === e));
    return (x) => set.has(x);
  },
};

export const context: HelperSpec = {
  name: 'context',
  signature: 'context(name, key…)',
  description: 'The context `name` is set for the key made of the remaining arguments (see Contexts in the rule language).',
  example: 'context("scanner", src.ip)',
  minArgs: 1,
  maxArgs: 16,
  make: (ctx) => (name, ...key) => {
    if (typeof name !== 'string') return false;
    try { return ctx.runtime.hasContext(name, key) === true; } catch { return false; }
  },
};
