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
  const order = new Map(ruleset.files.map((f, i) => [f, i]));
  const all: Array<{ r: Rule; enabled: boolean }> = [
    ...ruleset.rules.map((r) => ({ r, enabled: true })),
    ...(ruleset.disabled ?? []).map((r) => ({ r, enabled: false })),
  ];
  // Definition order: file load order, then position in the file.
  all.sort((a, b) => (order.get(a.r.loc.file) ?? 0) - (order.get(b.r.loc.file) ?? 0) || a.r.loc.line - b.r.loc.line || a.r.loc.col - b.r.loc.col);
  return all.map(({ r, enabled }) => ({
    id: r.id, type: r.type, on: r.on, tags: r.tags, severity: r.severity, enabled,
    where: `${r.loc.file}:${r.loc.line}`, description: r.description,
  }));
}

/** A plain text table of the rows, columns aligned. */
export function formatRuleList(rows: readonly RuleRow[]): string {
  const header = ['ID', 'TYPE', 'ON', 'SEVERITY', 'ENABLED', 'TAGS', 'WHERE'];
  const cells = rows.map((r) => [r.id, r.type, r.on.join(','), r.severity, r.enabled ? 'yes' : 'no', r.tags.join(',') || '-', r.where]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]): string => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}
