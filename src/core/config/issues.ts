/**
 * Turns zod issues into located diagnostics in vigil's voice: the key, what
 * was found, what was expected, and for unknown keys the nearest valid one.
 */
import type { z } from 'zod';
import type { Diagnostic } from '../rules/types.ts';
import { locate, pathText, type ConfigSource, type ConfigPath } from './locate.ts';
import { suggestion } from '../text/nearest.ts';

type Issue = z.core.$ZodIssue;

/** Keys an object schema accepts at `path` (through defaults, optionals, arrays and records). */
export function keysAt(schema: z.ZodType, path: ConfigPath): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let guard = 0; guard < 20; guard++) {
      const def = (x as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (def && 'innerType' in def) { x = def.innerType; continue; }
      return x;
    }
    return x;
  };
  s = unwrap(s);
  for (const seg of path) {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return [];
    if (def.type === 'object') s = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return [];
    s = unwrap(s);
  }
  const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  let v = root;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg as string] : undefined;
  return v;
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/**
 * `base` is the YAML path of the value that was validated (e.g. `["inputs", 2]`
 * for one plugin instance); issue paths are relative to it.
 */
export function issuesToDiagnostics(
  src: ConfigSource, schema: z.ZodType, value: unknown, issues: readonly Issue[], base: ConfigPath = [], what = 'config',
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const rel = issue.path as PropertyKey[];
    const path = [...base, ...rel];
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, rel);
      for (const k of issue.keys) {
        out.push({
          code: 'VGL_CONFIG_UNKNOWN_KEY', severity: 'error', loc: locate(src, [...path, k], true),
          message: `${what} key \`${pathText([...path, k])}\` is not a valid key` +
            suggestion(k, valid, valid.length === 0 ? { otherwise: 'this map takes no keys' } : {}),
        });
      }
      continue;
    }
    const got = valueAt(value, rel);
    let expected: string;
    if (issue.code === 'invalid_type' && got === undefined) expected = 'is required';
    else if (issue.code === 'invalid_type') expected = `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a map of keys' : `a ${issue.expected}`}, got ${shown(got)}`;
    else if (issue.code === 'invalid_value') expected = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${shown(got)}`;
    else if (issue.code === 'too_small' || issue.code === 'too_big') expected = `${issue.message.replace(/^Too (small|big): expected \w+ to (be|have) /, 'must be ')}, got ${shown(got)}`;
    else expected = `${issue.message}, got ${shown(got)}`;
    out.push({ code: 'VGL_CONFIG_INVALID', severity: 'error', loc: locate(src, path), message: `${what} key \`${pathText(path)}\` ${expected}` });
  }
  return out;
}
