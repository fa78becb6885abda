/**
 * Expected hits against the hits a replay produced. Only the fields an
 * expected hit lists are compared; the result is a readable diff, one line
 * per differing field, with missing and unexpected hits spelled out.
 *
 * The two lists are aligned before fields are compared, as a text diff
 * aligns lines: hits of the same rule at the same time (when the expected
 * hit gives `ts`) are paired by a longest common subsequence, so one missing
 * or extra hit is reported once instead of shifting every later comparison.
 * Between two paired hits, left-over expected and produced hits of the same
 * rule are paired in order and compared field by field (typically a hit at
 * another time), and what remains is missing or unexpected.
 */
import type { Hit } from '../hit.ts';
import type { ExpectedHit } from './test-case.ts';
import { canonicalJson } from './hash.ts';
import { eventTimeText } from '../event-time.ts';

/** Beyond this many cells the alignment is positional (a case this large is a bulk replay, not a spec). */
const MAX_ALIGN_CELLS = 4_000_000;

type Step = { readonly e: number; readonly g: number } | { readonly e: number; readonly g: null } | { readonly e: null; readonly g: number };

export function diffHits(expected: readonly ExpectedHit[], got: readonly Hit[]): string[] {
  const lines: string[] = [];
  let missing = 0, unexpected = 0, differing = 0;
  for (const s of align(expected, got)) {
    if (s.g === null) { missing++; lines.push(`expected hit ${s.e + 1} (${summaryOfExpected(expected[s.e])}): no such hit`); continue; }
    if (s.e === null) { unexpected++; lines.push(`unexpected hit ${s.g + 1}: ${summaryOfHit(got[s.g])}`); continue; }
    const e = expected[s.e], g = got[s.g];
    const fieldLines: string[] = [];
    for (const [field, want] of Object.entries(e.fields)) {
      const have = actual(g, field);
      if (!same(field, want, have)) fieldLines.push(`  ${field}: expected ${show(field, want)}, got ${show(field, have)}`);
    }
    if (!fieldLines.length) continue;
    differing++;
    const label = s.e === s.g ? `hit ${s.g + 1}` : `expected hit ${s.e + 1}, got hit ${s.g + 1}`;
    lines.push(`${label} (${summaryOfHit(g)}):`, ...fieldLines);
  }
  if (lines.length) {
    const parts = [`${missing} missing`, `${unexpected} unexpected`, `${differing} with other values`];
    lines.push(`expected ${expected.length} hit(s), got ${got.length}: ${parts.join(', ')}`);
  }
  return lines;
}

/** The same hit, whatever its other fields say: same rule, and same time when the expected hit gives one. */
function sameHit(e: ExpectedHit, g: Hit): boolean {
  return e.rule === g.rule && (e.fields.ts === undefined || e.fields.ts === g.ts);
}

function align(expected: readonly ExpectedHit[], got: readonly Hit[]): Step[] {
  const n = expected.length, m = got.length;
  if ((n + 1) * (m + 1) > MAX_ALIGN_CELLS) {
    const out: Step[] = [];
    for (let i = 0; i < Math.max(n, m); i++) out.push(i >= m ? { e: i, g: null } : i >= n ? { e: null, g: i } : { e: i, g: i });
    return out;
  }
  // lcs[i][j]: pairs in the best alignment of expected[i..] and got[j..].
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = sameHit(expected[i], got[j]) ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const out: Step[] = [];
  let i = 0, j = 0;
  const gapE: number[] = [], gapG: number[] = [];
  const closeGap = () => {
    // Left-over hits of the same rule between two pairs: the same hit with other values (a wrong time, say).
    const used = new Set<number>();
    for (const ei of gapE) {
      const k = gapG.findIndex((gj) => !used.has(gj) && got[gj].rule === expected[ei].rule);
      if (k >= 0) { used.add(gapG[k]); out.push({ e: ei, g: gapG[k] }); } else out.push({ e: ei, g: null });
    }
    for (const gj of gapG) if (!used.has(gj)) out.push({ e: null, g: gj });
    gapE.length = 0; gapG.length = 0;
  };
  while (i < n || j < m) {
    if (i < n && j < m && sameHit(expected[i], got[j])) {
      closeGap();
      out.push({ e: i++, g: j++ });
    } else if (j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) gapE.push(i++);
    else gapG.push(j++);
  }
  closeGap();
  return out;
}

function actual(h: Hit, field: string): unknown {
  return (h as unknown as Record<string, unknown>)[field];
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
  if ((field === 'ts' || field === 'first_ts') && typeof v === 'number') return eventTimeText(v);
  return JSON.stringify(v);
}

function summaryOfExpected(e: ExpectedHit): string {
  const ts = typeof e.fields.ts === 'number' ? ` at ${eventTimeText(e.fields.ts)}` : '';
  const src = e.fields.src !== undefined ? ` src ${String(e.fields.src)}` : '';
  return `rule ${e.rule}${src}${ts}`;
}

function summaryOfHit(h: Hit): string {
  const src = h.src !== undefined ? ` src ${h.src}` : '';
  return `rule ${h.rule}${src} at ${eventTimeText(h.ts)} key ${JSON.stringify(h.key)}`;
}
