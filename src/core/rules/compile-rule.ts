/**
 * Pass two for one rule: checks every key, compiles conditions, key,
 * message and actions, and lets the correlation type validate its own
 * parameters. Returns null when anything in the rule was wrong (the errors
 * are in the sink).
 */
import type { CorrelationType } from '../engine/types/api.ts';
import type { ActionSpec, Rule } from './types.ts';
import type { DiagnosticSink } from './context.ts';
import type { RuleDef } from './collect.ts';
import type { ExprTools } from './exprs.ts';
import type { ValueReader } from './values.ts';
import type { KnownActions } from './actions.ts';
import { compileActions } from './actions.ts';
import { LocatedParamTools } from './param-tools.ts';
import { describeNode, type LNode } from './source.ts';
import { suggestion } from '../text/nearest.ts';
import { readDescription, readEnabled, readKey, readLimit, readOn, readSeverity, readTags } from './rule-keys.ts';

/** Keys every rule may have, in the canonical order of a rule file. */
export const COMMON_KEYS = ['id', 'description', 'on', 'when', 'type', 'key', 'severity', 'tags', 'message', 'actions', 'max_keys', 'enabled', 'limit'] as const;
const REQUIRED_KEYS = ['description', 'on', 'type'] as const;
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
