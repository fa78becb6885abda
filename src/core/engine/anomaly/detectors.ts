/**
 * Anomaly detectors: each scores the newest point of a per-key series
 * against the earlier points, in [0, 1] (or null when it cannot judge yet).
 * The anomaly type averages the scores of a rule's detectors and acts when
 * the average reaches `sensitivity`. Adding a detector is one entry here.
 */
export type DetectorParams = Readonly<Record<string, number | string>>;

export interface AnomalyDetector {
  readonly name: string;
  readonly description: string;
  /** Parameter names and what they mean (for docs and validation). */
  readonly params: Readonly<Record<string, string>>;
  /** Check parameters; returns an error sentence or null. */
  check(params: DetectorParams): string | null;
  /** An error sentence when a series of `history` points is too short for `score` ever to judge (the rule would load and never act), else null. */
  checkHistory?(params: DetectorParams, history: number): string | null;
  /** `series` is oldest first; its last element is the point being judged. */
  score(series: ArrayLike<number>, params: DetectorParams): number | null;
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for a score. */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const num = (p: DetectorParams, k: string, d: number): number => (typeof p[k] === 'number' ? (p[k] as number) : d);

/**
 * Mean and sample standard deviation of the first `n` points, by Welford's
 * running update: a flat run of any value (0.1, 0.7) keeps the mean exactly
 * that value and the deviation exactly 0, where summing first lands a hair
 * off and turns rounding noise into a score for a point that did not change.
 */
function meanAndSd(series: ArrayLike<number>, n: number): { mean: number; sd: number } {
  let mean = 0, m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = series[i] - mean;
    mean += d / (i + 1);
    m2 += d * (series[i] - mean);
  }
  return { mean, sd: Math.sqrt(m2 / (n - 1)) };
}

export const zscore: AnomalyDetector = {
  name: 'zscore',
  description: 'How far the newest point lies from the mean of the earlier ones, in standard deviations, as the two-sided normal probability erf(|z|/√2). A flat history scores 1 for any change and 0 otherwise.',
  params: {
    direction: '"up" (default: only rises count), "down" or "both"',
    min_points: 'earlier points needed before judging (default 3)',
  },
  check(p) {
    if (p.direction !== undefined && !['up', 'down', 'both'].includes(String(p.direction))) return `zscore \`direction\` must be up, down or both, got ${JSON.stringify(p.direction)}`;
    if (p.min_points !== undefined && !(typeof p.min_points === 'number' && p.min_points >= 2)) return `zscore \`min_points\` must be a number ≥ 2, got ${JSON.stringify(p.min_points)}`;
    return null;
  },
  checkHistory(p, history) {
    const need = num(p, 'min_points', 3);
    if (history - 1 >= need) return null;
    return `zscore judges the newest point against \`min_points\` (${need}) earlier ones, but \`history\` keeps ${history} points in all; raise \`history\` to ${Math.ceil(need) + 1} or lower \`min_points\``;
  },
  score(series, p) {
    const n = series.length - 1;
    if (n < num(p, 'min_points', 3)) return null;
    const { mean, sd } = meanAndSd(series, n);
    const x = series[n];
    const dir = p.direction ?? 'up';
    const diff = dir === 'up' ? x - mean : dir === 'down' ? mean - x : Math.abs(x - mean);
    if (diff <= 0) return 0;
    if (sd === 0) return 1;
    return erf(diff / sd / Math.SQRT2);
  },
};

export const bounds: AnomalyDetector = {
  name: 'bounds',
  description: 'Scores 1 when the newest point is above `upper` or below `lower`, else 0.',
  params: { upper: 'upper bound (optional)', lower: 'lower bound (optional)' },
  check(p) {
    if (p.upper === undefined && p.lower === undefined) return 'bounds needs `upper` or `lower`';
    for (const k of ['upper', 'lower']) if (p[k] !== undefined && typeof p[k] !== 'number') return `bounds \`${k}\` must be a number, got ${JSON.stringify(p[k])}`;
    return null;
  },
  score(series, p) {
    const x = series[series.length - 1];
    if (typeof p.upper === 'number' && x > p.upper) return 1;
    if (typeof p.lower === 'number' && x < p.lower) return 1;
    return 0;
  },
};

export const ANOMALY_DETECTORS: ReadonlyMap<string, AnomalyDetector> = new Map([zscore, bounds].map((d) => [d.name, d]));
