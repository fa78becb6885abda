/**
 * "Did you mean": the one place that decides which valid name a typo most
 * likely meant, and the one phrasing every message uses to say so.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost one. */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}

/**
 * The candidate `name` most likely meant, or undefined when none is close
 * enough to be a plausible typo. Case is ignored, and a difference of case
 * alone beats any real edit. A guess must keep at least one character and need
 * no more than two edits, or a third of the longer name, whichever is more:
 * beyond that a suggestion is more noise than help. Among equally close
 * candidates one with the same first letter wins (typists rarely miss the
 * first letter: `cnt` means `count`, not `on`), then the earlier one, so
 * callers list the likeliest kinds first.
 */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  let bestSameStart = false;
  for (const c of candidates) {
    if (c === name) continue;
    const cl = c.toLowerCase();
    const d = cl === lower ? 0.5 : editDistance(lower, cl);
    const sameStart = cl[0] === lower[0];
    if (d < bestD || (d === bestD && sameStart && !bestSameStart)) { best = c; bestD = d; bestSameStart = sameStart; }
  }
  if (best === undefined) return undefined;
  const longer = Math.max(name.length, best.length);
  return bestD < longer && bestD <= Math.max(2, Math.floor(longer / 3)) ? best : undefined;
}

/** "`a`, `b`, `c`" (sorted, at most `max` shown), for messages that list the valid names. */
export function listNames(candidates: Iterable<string>, max = 12): string {
  const sorted = [...candidates].sort();
  const shown = sorted.slice(0, max).map((c) => `\`${c}\``).join(', ');
  return sorted.length > max ? `${shown}, …` : shown;
}

export interface SuggestionOptions {
  /** What to say when nothing is close; by default the valid names are listed ("expected one of …"). */
  otherwise?: string;
  /** How a candidate is written in the message, e.g. with the `$` of a var reference. */
  show?: (candidate: string) => string;
}

/** The one phrasing of a guess, as a message tail: "; did you mean `x`?". */
export function didYouMean(written: string): string {
  return `; did you mean \`${written}\`?`;
}

/**
 * A message tail: "; did you mean `x`?", else "; <otherwise>", else
 * "; expected one of `a`, `b`", or "" when there is nothing to offer.
 */
export function suggestion(name: string, candidates: Iterable<string>, opts: SuggestionOptions = {}): string {
  const all = [...candidates];
  const near = nearest(name, all);
  if (near !== undefined) return didYouMean(opts.show ? opts.show(near) : near);
  if (opts.otherwise !== undefined) return opts.otherwise === '' ? '' : `; ${opts.otherwise}`;
  return all.length === 0 ? '' : `; expected one of ${listNames(all)}`;
}
