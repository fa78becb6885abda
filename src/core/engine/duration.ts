/**
 * Durations in rendered action parameters (`ttl: "{{$lockout}}s"`) arrive as
 * strings after template rendering, so the engine parses them itself; rule
 * parameters are parsed by the loader.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "3s", "10m", "8h", "7d" → ms; a finite non-negative number is taken as ms. Null when unreadable. */
export function parseDurationMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}
