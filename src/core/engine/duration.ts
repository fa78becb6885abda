/**
 * Durations in rendered action parameters (`ttl: "{{$lockout}}s"`) arrive as
 * strings after template rendering, so the engine reads them at run time,
 * with the loader's own grammar: what `rules check` accepts in a rule file
 * (`"1h30m"`) is what an action accepts once rendered.
 */
import { parseDuration } from '../rules/duration.ts';

/** A duration string ("500ms", "10m", "1h30m") → ms; a finite non-negative number is taken as ms. Null when unreadable. */
export function parseDurationMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  return parseDuration(v);
}
