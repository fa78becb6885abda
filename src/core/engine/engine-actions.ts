/**
 * Actions the engine runs itself, synchronously, before the next event:
 * they change correlation state, so they cannot wait in the outbox. They are
 * still listed in the hit. Unknown names are left to the action plugins.
 */
import type { ContextStore } from './contexts.ts';
import { parseDurationMs } from './duration.ts';
import { encodeKey } from './key.ts';

export type EngineAction = (params: Readonly<Record<string, unknown>>, now: number, contexts: ContextStore) => void;

/** A context key parameter: a string (one key part) or a list of parts. */
function contextKey(v: unknown): string {
  return Array.isArray(v) ? encodeKey(v) : encodeKey([v]);
}

function requireName(p: Readonly<Record<string, unknown>>, action: string): string {
  if (typeof p.name !== 'string' || p.name === '') throw new Error(`${action}: \`name\` must be a non-empty string, got ${JSON.stringify(p.name)}`);
  return p.name;
}

export const ENGINE_ACTIONS: ReadonlyMap<string, EngineAction> = new Map<string, EngineAction>([
  ['context.set', (p, now, ctx) => {
    const name = requireName(p, 'context.set');
    let ttl: number | null = null;
    // Only an absent ttl means "no expiry": a template that renders empty (a missing field) or past what a number holds
    // is a mistake, and silently keeping the context forever would be the most lasting way to get it wrong.
    if (p.ttl !== undefined) {
      ttl = parseDurationMs(p.ttl);
      if (ttl === null || !Number.isFinite(ttl)) throw new Error(`context.set ${name}: \`ttl\` must be a duration like "10m", got ${JSON.stringify(p.ttl)}`);
    }
    ctx.set(name, contextKey(p.key), now, ttl, p.persistent === true || p.persistent === 'true');
  }],
  ['context.delete', (p, _now, ctx) => {
    ctx.delete(requireName(p, 'context.delete'), contextKey(p.key));
  }],
]);
