/**
 * Pass two for one rule: checks every key, compiles conditions, key,
 * message and actions, and lets the correlation type validate its own
 * parameters. Returns null when anything in the rule was wrong (the errors
 * are in the sink).
 */
import type { CorrelationType } from '../engine/types/api.ts';
import type { ActionSpec, CompiledExpr, KeySpec, Rule } from './types.ts';
import { EVENT_KINDS, type EventKind } from '../fields.ts';
import { SEVERITIES, type Severity } from '../hit.ts';
import type { DiagnosticSink } from './context.ts';
import type { RuleDef } from './collect.ts';
import type { ExprTools } from './exprs.ts';
import type { ValueReader } from './values.ts';
import type { KnownActions } from './actions.ts';
import { compileActions } from './actions.ts';
import { LocatedParamTools } from './param-tools.ts';
import { describeNode, describeValue, type LEntry, type LNode } from './source.ts';
import { FIELD_PATH } from './names.ts';
import { suggestion } from './suggest.ts';
import { formatDuration } from './duration.ts';

/** Keys every rule may have, in the canonical order of a rule file. */
export const COMMON_KEYS = ['id', 'description', 'on', 'when', 'type', 'key', 'severity', 'tags', 'message', 'actions', 'max_keys', 'enabled', 'limit'] as const;
const REQUIRED_KEYS = ['description', 'on', 'type'] as const;
const LIMIT_KEYS = ['count', 'per', 'notice'] as const;
export const DEFAULT_MAX_KEYS = 100_000;

export interface TypeRegistry {
  get(name: string): CorrelationType | undefined;
  keys(): Iterable<string>;
}

export interface RuleCompileDeps {
  readonly sink: DiagnosticSink;
  readonly types: TypeRegistry;
  readonly known: KnownActions;
  /** Per-rule tools, bound to the rule id for messages. */
  readonly toolsFor: (rule: string) => { reader: ValueReader; exprs: ExprTools };
}

export interface CompiledRule {
  readonly rule: Omit<Rule, 'hash'>;
  readonly enabled: boolean;
}

export function compileRule(def: RuleDef, deps: RuleCompileDeps): CompiledRule | null {
  const { sink, types } = deps;
  const id = def.id;
  const { reader, exprs } = deps.toolsFor(id);
  const before = sink.errorCount;
  const f = def.fields;
  const get = (k: string): LNode | undefined => {
    const e = f.get(k);
    return e && !(e.node.kind === 'scalar' && e.node.value === null) ? e.node : undefined;
  };

  for (const k of REQUIRED_KEYS) {
    if (!get(k)) sink.error('VGL_RULE_MISSING_KEY', def.loc, `a rule needs \`${k}\`; add ${hintFor(k)}`, id);
  }

  // Type first: its parameters decide which other keys are valid.
  let type: CorrelationType | undefined;
  const typeNode = get('type');
  if (typeNode) {
    const r = reader.resolve(typeNode);
    const name = r?.value;
    const names = [...types.keys()];
    if (typeof name !== 'string') {
      sink.error('VGL_RULE_UNKNOWN_TYPE', typeNode.loc, `\`type\` must name a correlation type, got ${describeNode(typeNode)}; use one of ${names.map((n) => `\`${n}\``).join(', ')}`, id);
    } else {
      type = types.get(name);
      if (!type) sink.error('VGL_RULE_UNKNOWN_TYPE', typeNode.loc, `\`type\` ${JSON.stringify(name)} is not a correlation type${suggestion(name, names)}`, id);
    }
  }
  if (type) {
    const valid = [...COMMON_KEYS, ...type.params];
    for (const [k, e] of f) {
      if (!valid.includes(k)) sink.error('VGL_RULE_UNKNOWN_KEY', e.keyLoc, `\`${k}\` is not a key of a ${type.name} rule${suggestion(k, valid)}`, id);
    }
  } else {
    // Without a known type, a key that no type accepts is still certainly wrong.
    const anyType = new Set<string>(COMMON_KEYS);
    for (const name of types.keys()) for (const p of types.get(name)?.params ?? []) anyType.add(p);
    for (const [k, e] of f) {
      if (!anyType.has(k)) sink.error('VGL_RULE_UNKNOWN_KEY', e.keyLoc, `\`${k}\` is not a key of any rule type${suggestion(k, [...anyType])}`, id);
    }
  }

  const description = readDescription(get('description'), sink, id);
  const on = readOn(get('on'), reader, sink, id);
  const whenNode = get('when');
  const when = whenNode ? exprs.expr('when', whenNode) : null;
  const key = readKey(f.get('key'), exprs, sink, id);
  const severity = readSeverity(get('severity'), reader, sink, id);
  const tags = readTags(get('tags'), reader, sink, id);
  const messageNode = get('message');
  const message = messageNode ? exprs.template('message', messageNode) : null;
  const actionsNode = get('actions');
  const tools = { known: deps.known, reader, exprs, sink, rule: id };
  const actions: ActionSpec[] = actionsNode ? compileActions('actions', actionsNode, tools) ?? [] : [];
  const maxKeysNode = get('max_keys');
  const maxKeys = maxKeysNode ? reader.number('max_keys', maxKeysNode, true, 1) ?? DEFAULT_MAX_KEYS : DEFAULT_MAX_KEYS;
  const enabled = readEnabled(get('enabled'), reader, sink, id);
  const limit = readLimit(get('limit'), reader, sink, id);

  let params: Record<string, unknown> | null = {};
  if (type) {
    const pt = new LocatedParamTools(f, def.loc, `a ${type.name} rule`, '', { ...tools });
    const before2 = sink.errorCount;
    try {
      params = type.validate(pt) as Record<string, unknown> | null;
    } catch (err) {
      // A type's validate is not supposed to throw; report it at the rule rather than abort the whole load.
      sink.error('VGL_RULE_BAD_PARAM', def.loc, `the ${type.name} type failed to validate this rule: ${(err as Error).message}`, id);
      params = null;
    }
    pt.reportUnaskedInChildren();
    if (params === null && sink.errorCount === before2) {
      sink.error('VGL_RULE_BAD_PARAM', def.loc, `the ${type.name} type refused this rule's parameters without saying why`, id);
    }
  }

  if (sink.errorCount > before || !type || params === null || on === null || key === null) return null;
  return {
    enabled,
    rule: {
      id, description, loc: def.loc, on, when, type: type.name, key, severity, tags, message, actions,
      maxKeys, limit, params,
    },
  };
}

function hintFor(k: string): string {
  if (k === 'description') return '`description: what it detects and how to tune it`';
  if (k === 'on') return '`on: [packet]` (event kinds: packet, flow, socket, tick)';
  return '`type: single` (or another correlation type)';
}

function readDescription(n: LNode | undefined, sink: DiagnosticSink, id: string): string {
  if (!n) return '';
  if (n.kind !== 'scalar' || typeof n.value !== 'string' || n.value.trim() === '') {
    sink.error('VGL_RULE_VALUE', n.loc, `\`description\` must be a non-empty string saying what the rule detects, got ${describeNode(n)}`, id);
    return '';
  }
  return n.value.trim();
}

function readOn(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): EventKind[] | null {
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

function readKey(e: LEntry | undefined, exprs: ExprTools, sink: DiagnosticSink, id: string): KeySpec | null {
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

function readSeverity(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): Severity {
  if (!n) return 'medium';
  const v = reader.resolve(n)?.value;
  if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  const near = typeof v === 'string' ? suggestion(v, SEVERITIES) : `; use one of ${SEVERITIES.map((s) => `\`${s}\``).join(', ')}`;
  sink.error('VGL_RULE_SEVERITY', n.loc, `\`severity\` must be one of info, low, medium, high, critical, got ${describeValue(v)}${near}`, id);
  return 'medium';
}

function readTags(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): string[] {
  if (!n) return [];
  const r = reader.resolve(n);
  if (!r) return [];
  if (!Array.isArray(r.value) || !r.value.every((t) => typeof t === 'string' && t !== '')) {
    sink.error('VGL_RULE_VALUE', n.loc, `\`tags\` must be a list of non-empty strings, got ${describeNode(n)}; write e.g. \`tags: [PORT_SCAN]\``, id);
    return [];
  }
  return [...new Set(r.value as string[])];
}

function readEnabled(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): boolean {
  if (!n) return true;
  const v = reader.resolve(n)?.value;
  if (typeof v === 'boolean') return v;
  sink.error('VGL_RULE_VALUE', n.loc, `\`enabled\` must be true or false, got ${describeValue(v)}`, id);
  return true;
}

function readLimit(n: LNode | undefined, reader: ValueReader, sink: DiagnosticSink, id: string): Rule['limit'] {
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
