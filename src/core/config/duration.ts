/**
 * Durations in config are strings with a unit ("500ms", "30s", "5m", "2h",
 * "7d", or combined like "1h30m"), read by the rule files' own grammar: a
 * bare number is ambiguous (seconds? ms?) and therefore refused.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from '../rules/duration.ts';

export { parseDuration };

export const DURATION_HINT = 'a duration string like "500ms", "30s", "5m", "2h" or "7d"';

/** The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration that sets a repeating timer: at least `minMs` (0 would re-run
 * the job back to back) and at most what a timer keeps (a longer one would
 * fire every millisecond and spin a core).
 */
export function timerDurationSchema(minMs: number): z.ZodType<string> {
  return z.string().superRefine((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === null) { ctx.addIssue({ code: 'custom', message: `must be ${DURATION_HINT}` }); return; }
    if (ms < minMs || ms > MAX_TIMER_MS) ctx.addIssue({ code: 'custom', message: `must be from ${formatDuration(minMs)} to 24d (a timer's longest), got ${s}` });
  });
}
