/** Small value helpers for strings, numbers and lists. Non-matching input types give undefined. */
import type { HelperSpec } from './types.ts';

const str1 = (f: (s: string) => unknown) => () => (s: unknown) => (typeof s === 'string' ? f(s) : undefined);

export const lower: HelperSpec = {
  name: 'lower', signature: 'lower(s)', description: 'Lower-case copy of a string.', example: 'lower(proc.user) == "root"',
  minArgs: 1, maxArgs: 1, make: str1((s) => s.toLowerCase()),
};

export const upper: HelperSpec = {
  name: 'upper', signature: 'upper(s)', description: 'Upper-case copy of a string.', example: 'upper(proto)',
  minArgs: 1, maxArgs: 1, make: str1((s) => s.toUpperCase()),
};

export const len: HelperSpec = {
  name: 'len', signature: 'len(x)', description: 'Length of a string or list; number of keys of an object.', example: 'len(data.ports) > 10',
  minArgs: 1, maxArgs: 1,
  make: () => (x) => {
    if (typeof x === 'string' || Array.isArray(x)) return x.length;
    if (x !== null && typeof x === 'object') return Object.keys(x).length;
    return undefined;
  },
};

const strPair = (f: (a: string, b: string) => boolean) => () => (a: unknown, b: unknown) =>
  typeof a === 'string' && (typeof b === 'string' || typeof b === 'number') ? f(a, String(b)) : false;

export const startswith: HelperSpec = {
  name: 'startswith', signature: 'startswith(s, prefix)', description: 's starts with prefix.', example: 'startswith(proc.exe, "/tmp/")',
  minArgs: 2, maxArgs: 2, make: strPair((a, b) => a.startsWith(b)),
};

export const endswith: HelperSpec = {
  name: 'endswith', signature: 'endswith(s, suffix)', description: 's ends with suffix.', example: 'endswith(proc.unit, ".service")',
  minArgs: 2, maxArgs: 2, make: strPair((a, b) => a.endsWith(b)),
};

export const contains: HelperSpec = {
  name: 'contains', signature: 'contains(s_or_list, x)', description: 'A string contains x as a substring, or a list holds x (strict equality).', example: 'contains(proc.cmdline, "nc -l")',
  minArgs: 2, maxArgs: 2,
  make: () => (h, x) => {
    if (typeof h === 'string') return (typeof x === 'string' || typeof x === 'number') && h.includes(String(x));
    if (Array.isArray(h)) return h.some((e) => e === x);
    return false;
  },
};

export const without: HelperSpec = {
  name: 'without', signature: 'without(list, x)', description: 'Copy of a list without the elements equal to x (strict equality); undefined when not a list.', example: 'without(data.ports, dst.port)',
  minArgs: 2, maxArgs: 2,
  make: () => (l, x) => (Array.isArray(l) ? l.filter((e) => e !== x) : undefined),
};

export const int: HelperSpec = {
  name: 'int', signature: 'int(x)', description: 'x as an integer (truncated toward zero); decimal strings are parsed. Undefined when not a number.', example: 'int(prefix) > 3',
  minArgs: 1, maxArgs: 1,
  make: () => (x) => {
    const n = typeof x === 'number' ? x : typeof x === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(x) ? Number(x) : NaN;
    return Number.isFinite(n) ? Math.trunc(n) : undefined;
  },
};

export const str: HelperSpec = {
  name: 'str', signature: 'str(x)', description: 'x as text: numbers in JavaScript form, objects and lists as JSON, missing values as "".', example: 'str(dst.port) in "22,23"',
  minArgs: 1, maxArgs: 1,
  make: () => (x) => {
    if (x === undefined || x === null) return '';
    if (typeof x === 'object') { try { return JSON.stringify(x); } catch { return ''; } }
    return String(x);
  },
};

export const TEXT_HELPERS: readonly HelperSpec[] = [lower, upper, len, startswith, endswith, contains, without, int, str];
