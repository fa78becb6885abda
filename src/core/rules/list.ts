/** `vigil rules list`: one row per rule of a loaded ruleset, enabled or not, in load order. */
import type { Rule, Ruleset } from './types.ts';

export interface RuleRow {
  readonly id: string;
  readonly type: string;
  readonly on: readonly string[];
  readonly tags: readonly string[];
  readonly severity: string;
  readonly enabled: boolean;
  /** `file:line` of the rule's definition. */
  readonly where: string;
  readonly description: string;
}

export function listRules(ruleset: Ruleset): RuleRow[] {
  const row = (r: Rule, enabled: boolean): RuleRow => ({
    id: r.id, type: r.type, on: r.on, tags: r.tags, severity: r.severity, enabled,
    where: `${r.loc.file}:${r.loc.line}`, description: r.description,
  });
  const order = new Map(ruleset.files.map((f, i) => [f, i]));
  return [...ruleset.rules.map((r) => row(r, true)), ...(ruleset.disabled ?? []).map((r) => row(r, false))]
    .map((r, i) => ({ r, i, file: order.get(r.where.slice(0, r.where.lastIndexOf(':'))) ?? 0, line: Number(r.where.slice(r.where.lastIndexOf(':') + 1)) }))
    .sort((a, b) => a.file - b.file || a.line - b.line || a.i - b.i)
    .map((x) => x.r);
}

/** A plain text table of the rows, columns aligned. */
export function formatRuleList(rows: readonly RuleRow[]): string {
  const header = ['ID', 'TYPE', 'ON', 'SEVERITY', 'ENABLED', 'TAGS', 'WHERE'];
  const cells = rows.map((r) => [r.id, r.type, r.on.join(','), r.severity, r.enabled ? 'yes' : 'no', r.tags.join(',') || '-', r.where]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]): string => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}
