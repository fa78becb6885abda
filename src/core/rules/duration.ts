/**
 * Durations in rule files are strings with units ("500ms", "3s", "10m",
 * "8h", "7d", or combined like "1h30m"). A bare number is refused because
 * its unit would be a guess.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Milliseconds for a duration string, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m) return null;
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = PART.lastIndex;
  }
  return Math.round(total);
}

/** Human form of a duration in ms, the inverse of parseDuration for whole units. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
