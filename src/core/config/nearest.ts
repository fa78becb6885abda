/** Picks the valid name closest to a typo, so errors can say "did you mean". */
export function nearestName(wrong: string, valid: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDist = Infinity;
  for (const v of valid) {
    const d = editDistance(wrong.toLowerCase(), v.toLowerCase());
    if (d < bestDist) { bestDist = d; best = v; }
  }
  // A suggestion further away than half the word is noise, not help.
  return best !== null && bestDist <= Math.max(2, Math.ceil(wrong.length / 2)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
