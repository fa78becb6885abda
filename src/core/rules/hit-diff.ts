/**
 * Expected hits against the hits a replay produced, in order. Only the
 * fields an expected hit lists are compared; the result is a readable diff,
 * one line per differing field, with missing and unexpected hits spelled out.
 */
import type { Hit } from '../hit.ts';
import type { ExpectedHit } from './test-case.ts';
import { canonicalJson } from './hash.ts';

export function diffHits(expected: readonly ExpectedHit[], got: readonly Hit[]): string[] {
  const lines: string[] = [];
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const g = got[i];
    if (e && !g) { lines.push(`hit ${i + 1}: expected ${summaryOfExpected(e)}, got no hit`); continue; }
    if (!e && g) { lines.push(`hit ${i + 1}: unexpected ${summaryOfHit(g)}`); continue; }
    const fieldLines: string[] = [];
    for (const [field, want] of Object.entries(e.fields)) {
      const have = actual(g, field);
      if (!same(field, want, have)) fieldLines.push(`  ${field}: expected ${show(field, want)}, got ${show(field, have)}`);
    }
    if (fieldLines.length) lines.push(`hit ${i + 1} (${summaryOfHit(g)}):`, ...fieldLines);
  }
  if (expected.length !== got.length) lines.push(`expected ${expected.length} hit(s), got ${got.length}`);
  return lines;
}

function actual(h: Hit, field: string): unknown {
  const v = (h as unknown as Record<string, unknown>)[field];
  return v;
}

/** `key` may be written as the map of names to values, a list of the values, or the one value. */
function same(field: string, want: unknown, have: unknown): boolean {
  if (field === 'key' && have && typeof have === 'object' && !Array.isArray(have)) {
    const values = Object.values(have);
    if (Array.isArray(want)) return canonicalJson(want) === canonicalJson(values);
    if (want === null || typeof want !== 'object') return values.length === 1 && canonicalJson(want) === canonicalJson(values[0]);
  }
  return canonicalJson(want) === canonicalJson(have);
}

function show(field: string, v: unknown): string {
  if (v === undefined) return 'nothing';
  if ((field === 'ts' || field === 'first_ts') && typeof v === 'number') return new Date(v).toISOString();
  return JSON.stringify(v);
}

function summaryOfExpected(e: ExpectedHit): string {
  const ts = typeof e.fields.ts === 'number' ? ` at ${new Date(e.fields.ts).toISOString()}` : '';
  const src = e.fields.src !== undefined ? ` src ${String(e.fields.src)}` : '';
  return `rule ${e.rule}${src}${ts}`;
}

function summaryOfHit(h: Hit): string {
  const src = h.src !== undefined ? ` src ${h.src}` : '';
  return `rule ${h.rule}${src} at ${new Date(h.ts).toISOString()} key ${JSON.stringify(h.key)}`;
}
