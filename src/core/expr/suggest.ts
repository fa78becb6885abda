/** "Did you mean" support: the nearest candidate by Damerau–Levenshtein distance (optimal string alignment). */

export function editDistance(a: string, b: string): number {
  const n = a.length, m = b.length;
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
 * The candidate closest to `name`, or null when none is close enough to be a
 * plausible typo (more than a third of the longer name would have to change; names under three characters only match case-insensitively).
 * Ties go to the earlier candidate, so callers list the likeliest kinds first.
 */
export function nearest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === lower ? 0.5 : editDistance(name, c);
    if (d < bestD) { best = c; bestD = d; }
  }
  if (best === null) return null;
  const longer = Math.max(name.length, best.length);
  const limit = longer < 3 ? 0.5 : Math.max(1, Math.floor(longer / 3));
  return bestD <= limit ? best : null;
}
