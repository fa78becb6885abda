/**
 * Durations in config are strings with a unit ("500ms", "3s", "10m", "8h",
 * "7d"): a bare number is ambiguous (seconds? ms?) and therefore refused.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds for a duration string, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

export const DURATION_HINT = 'a duration string like "500ms", "30s", "5m", "2h" or "7d"';
