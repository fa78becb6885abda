/**
 * Checks that a value is a usable plugin definition. Stock and site plugins
 * go through the same check, so a broken site plugin is refused with every
 * problem named instead of failing later on the first event.
 */
import type { AnyPlugin } from '../plugin-api.ts';

const KINDS = ['input', 'enricher', 'action'] as const;
const NAME_RE = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;

const isSchema = (s: unknown): boolean => !!s && typeof (s as { safeParse?: unknown }).safeParse === 'function';

/** Every problem with `x` as a plugin definition; empty when it is fine. */
export function definitionProblems(x: unknown): string[] {
  if (!x || typeof x !== 'object') return [`the export is ${x === null ? 'null' : typeof x}, not a plugin definition (an object made with defineInput, defineEnricher or defineAction)`];
  const p = x as Record<string, unknown>;
  const problems: string[] = [];
  if (!KINDS.includes(p.kind as (typeof KINDS)[number])) problems.push(`\`kind\` must be one of input, enricher, action, got ${JSON.stringify(p.kind)}`);
  if (typeof p.name !== 'string' || !NAME_RE.test(p.name)) problems.push(`\`name\` must be lower-kebab-case like "cidr-tags", got ${JSON.stringify(p.name)}`);
  if (typeof p.description !== 'string' || !p.description.trim()) problems.push('`description` must be a non-empty sentence saying what the plugin does');
  if (!isSchema(p.schema)) problems.push('`schema` must be a zod schema (an object with safeParse)');
  else {
    const ex = (p.schema as { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }).safeParse(p.example);
    if (!ex.success) problems.push(`\`example\` does not satisfy \`schema\`: ${ex.error!.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  }
  if (typeof p.create !== 'function') problems.push('`create` must be a function (ctx, config) returning the instance');
  if (p.canRun !== undefined && typeof p.canRun !== 'function') problems.push('`canRun`, when present, must be a function');
  if (p.kind === 'action' && !isSchema(p.paramsSchema)) problems.push('an action needs `paramsSchema`, a zod schema of the per-rule params');
  if (p.kind === 'input') {
    const ok = Array.isArray(p.emits) && p.emits.length > 0 && p.emits.every((k) => k === 'packet' || k === 'flow' || k === 'socket');
    if (!ok) problems.push('an input needs `emits`, a non-empty list of packet, flow, socket');
  }
  return problems;
}

export function isPluginDefinition(x: unknown): x is AnyPlugin {
  return definitionProblems(x).length === 0;
}
