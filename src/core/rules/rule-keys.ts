/**
 * Readers for the keys every rule has (`description`, `on`, `key`,
 * `severity`, `tags`, `enabled`, `limit`): each checks its value, reports a
 * located error when it is wrong, and returns what the rule gets.
 */
import type { CompiledExpr, KeySpec, Rule } from './types.ts';
import { EVENT_KINDS, type EventKind } from '../fields.ts';
import { SEVERITIES, type Severity } from '../hit.ts';
import type { DiagnosticSink } from './context.ts';
import type { ExprTools } from './exprs.ts';
import type { ValueReader } from './values.ts';
import { describeNode, describeValue, type LEntry, type LNode } from './source.ts';
import { FIELD_PATH, hitNameProblem } from './names.ts';
import { suggestion } from '../text/nearest.ts';
import { formatDuration } from './duration.ts';

const LIMIT_KEYS = ['count', 'per', 'notice'] as const;

export function readDescription(n: LNode | undefined, sink: DiagnosticSink, id: string): string {
  if (!n) return '';
  if (n.kind !== 'scalar' || typeof n.value !== 'string' || n.value.trim() === '') {
    sink.error('VGL_RULE_VALUE', n.loc, `\`description\` must be a non-empty string saying what the rule detects, got ${describeNode(n)}`, id);
    return '';
  }
  return n.value.trim();
}

export function readOn(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): EventKind[] | null {
  if (!n) return null;
  const kinds = Object.keys(EVENT_KINDS);
  if (n.kind !== 'seq' || n.items.length === 0) {
    const fix = n.kind === 'scalar' && typeof n.value === 'string' ? `; write \`on: [${n.value}]\`` : `; write e.g. \`on: [packet]\``;
    sink.error('VGL_RULE_VALUE', n.loc, `\`on\` must be a non-empty list of event kinds, got ${describeNode(n)}${fix}`, id);
    return null;
  }
  const out: EventKind[] = [];
  let ok = true;
  for (const it of n.items) {
    const v = reader.resolve(it)?.value;
    if (typeof v === 'string' && Object.hasOwn(EVENT_KINDS, v)) {
      if (!out.includes(v as EventKind)) out.push(v as EventKind);
    } else {
      sink.error('VGL_RULE_UNKNOWN_KIND', it.loc, `\`on\` lists ${describeValue(v)}, which is not an event kind${typeof v === 'string' ? suggestion(v, kinds) : `; use one of ${kinds.map((k) => `\`${k}\``).join(', ')}`}`, id);
      ok = false;
    }
  }
  return ok ? out : null;
}

export function readKey(e: LEntry | undefined, exprs: ExprTools, sink: DiagnosticSink, id: string): KeySpec | null {
  if (!e || (e.node.kind === 'scalar' && e.node.value === null)) return { names: [], exprs: [] };
  const n = e.node;
  const names: string[] = [];
  const compiled: CompiledExpr[] = [];
  let ok = true;
  if (n.kind === 'seq') {
    for (const it of n.items) {
      if (it.kind !== 'scalar' || typeof it.value !== 'string' || !FIELD_PATH.test(it.value)) {
        sink.error('VGL_RULE_KEY_SPEC', it.loc, `\`key\` list items must be field paths like \`src.ip\`, got ${describeNode(it)}; for a computed key use the map form \`key: { name: expression }\``, id);
        ok = false;
        continue;
      }
      const c = exprs.expr('key', it);
      if (c) { names.push(it.value); compiled.push(c); } else ok = false;
    }
  } else if (n.kind === 'map') {
    for (const [name, entry] of n.entries) {
      const bad = hitNameProblem(name, 'a part of `key`');
      if (bad) {
        sink.error('VGL_NAME_INVALID', entry.keyLoc, bad, id);
        ok = false;
        continue;
      }
      const c = exprs.expr(`key.${name}`, entry.node);
      if (c) { names.push(name); compiled.push(c); } else ok = false;
    }
  } else {
    const fix = typeof n.value === 'string' && FIELD_PATH.test(n.value) ? `; write \`key: [${n.value}]\`` : '';
    sink.error('VGL_RULE_KEY_SPEC', n.loc, `\`key\` must be a list of field paths or a map of name to expression, got ${describeNode(n)}${fix}`, id);
    return null;
  }
  return ok ? { names, exprs: compiled } : null;
}

export function readSeverity(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): Severity {
  if (!n) return 'medium';
  const v = reader.resolve(n)?.value;
  if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  const near = typeof v === 'string' ? suggestion(v, SEVERITIES) : `; use one of ${SEVERITIES.map((s) => `\`${s}\``).join(', ')}`;
  sink.error('VGL_RULE_SEVERITY', n.loc, `\`severity\` must be one of info, low, medium, high, critical, got ${describeValue(v)}${near}`, id);
  return 'medium';
}

export function readTags(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): string[] {
  if (!n) return [];
  const r = reader.resolve(n);
  if (!r) return [];
  if (!Array.isArray(r.value) || !r.value.every((t) => typeof t === 'string' && t !== '')) {
    sink.error('VGL_RULE_VALUE', n.loc, `\`tags\` must be a list of non-empty strings, got ${describeNode(n)}; write e.g. \`tags: [PORT_SCAN]\``, id);
    return [];
  }
  return [...new Set(r.value as string[])];
}

export function readEnabled(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): boolean {
  if (!n) return true;
  const v = reader.resolve(n)?.value;
  if (typeof v === 'boolean') return v;
  sink.error('VGL_RULE_VALUE', n.loc, `\`enabled\` must be true or false, got ${describeValue(v)}`, id);
  return true;
}

export function readLimit(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): Rule['limit'] {
  if (!n) return null;
  if (n.kind !== 'map') {
    sink.error('VGL_RULE_VALUE', n.loc, `\`limit\` must be a map like \`{ count: 10, per: "1m" }\`, got ${describeNode(n)}`, id);
    return null;
  }
  for (const [k, e] of n.entries) {
    if (!(LIMIT_KEYS as readonly string[]).includes(k)) sink.error('VGL_RULE_UNKNOWN_KEY', e.keyLoc, `\`${k}\` is not a key of \`limit\`${suggestion(k, LIMIT_KEYS)}`, id);
  }
  const countE = n.entries.get('count');
  const perE = n.entries.get('per');
  if (!countE) sink.error('VGL_RULE_MISSING_KEY', n.loc, '`limit` needs `count`, the most hits allowed per period; add it', id);
  if (!perE) sink.error('VGL_RULE_MISSING_KEY', n.loc, '`limit` needs `per`, the period as a duration like "1m"; add it', id);
  const count = countE ? reader.number('limit.count', countE.node, true, 1) : null;
  const perMs = perE ? reader.duration('limit.per', perE.node) : null;
  const noticeE = n.entries.get('notice');
  let notice: string | null = null;
  if (noticeE) {
    const v = reader.resolve(noticeE.node)?.value;
    if (typeof v === 'string' && v !== '') notice = v;
    else sink.error('VGL_RULE_VALUE', noticeE.node.loc, `\`limit.notice\` must be a non-empty string, got ${describeValue(v)}`, id);
  }
  if (count === null || perMs === null) return null;
  return { count, perMs, notice: notice ?? `${id}: more than ${count} hits per ${formatDuration(perMs)}; further hits dropped until the period ends` };
}
