/**
 * "Did you mean" for unknown names: the nearest candidate by edit distance
 * (with adjacent transpositions), accepted only when it is close enough that
 * the suggestion is more likely help than noise.
 */

/** Optimal string alignment distance between two strings. */
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
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}

/** The closest candidate, or undefined when none is within a third of the name's length (at least 2 edits). */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD || (d === bestD && best !== undefined && c < best)) { best = c; bestD = d; }
  }
  return bestD <= limit ? best : undefined;
}

/** A sentence tail for messages: "; did you mean `x`?" or "; expected one of `a`, `b`". */
export function suggestion(name: string, candidates: readonly string[], maxListed = 12): string {
  const near = nearest(name, candidates);
  if (near !== undefined) return `; did you mean \`${near}\`?`;
  if (candidates.length === 0) return '';
  const sorted = [...candidates].sort();
  const shown = sorted.slice(0, maxListed).map((c) => `\`${c}\``).join(', ');
  return `; expected one of ${shown}${sorted.length > maxListed ? ', …' : ''}`;
}
