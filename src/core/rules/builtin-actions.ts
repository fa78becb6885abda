/**
 * Actions the engine runs itself (contexts), known to every ruleset whatever
 * plugins are installed. Their parameter schemas live here so the loader can
 * check them like any plugin's.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

/**
 * A duration parameter: a literal is checked when the rules load (the loader
 * skips this check for a value holding a `{{ }}` template, known only when it
 * renders), so `ttl: soon` is a located error, not an action error per hit.
 */
export const durationParam = () => z.string().refine((v) => parseDuration(v) !== null, { message: 'must be a duration such as "10m" or "1h30m"' });

export const BUILTIN_ACTIONS: ReadonlyMap<string, { paramsSchema: z.ZodType }> = new Map([
  ['context.set', {
    paramsSchema: z.strictObject({
      name: z.string().min(1).describe('Context name, tested with context("name", key…).'),
      key: z.union([z.string(), z.array(z.unknown())]).optional().describe('Template of the key the context is set for (or a list of key parts); absent = one global context.'),
      ttl: durationParam().optional().describe('Lifetime as a duration ("1h"); absent = until deleted.'),
      persistent: z.boolean().optional().describe('Keep the context in SQLite across restarts.'),
    }),
  }],
  ['context.delete', {
    paramsSchema: z.strictObject({
      name: z.string().min(1).describe('Context name.'),
      key: z.union([z.string(), z.array(z.unknown())]).optional().describe('Template of the key to clear (or a list of key parts); absent = the global context.'),
    }),
  }],
]);
