/**
 * Turns a correlation type's FireArgs into a Hit: template scope, message,
 * rendered action parameters, the accused source address.
 */
import type { Hit, ActionRequest } from '../hit.ts';
import type { Rule, ActionSpec, CompiledTemplate } from '../rules/types.ts';
import type { FireArgs } from './types/api.ts';
import type { VigilEvent } from '../event.generated.ts';
import { detach, partString } from './key.ts';

function isTemplate(v: unknown): v is CompiledTemplate {
  return typeof v === 'object' && v !== null && typeof (v as CompiledTemplate).render === 'function';
}

function renderValue(v: unknown, scope: object): unknown {
  if (isTemplate(v)) return v.render(scope);
  if (Array.isArray(v)) return v.map((x) => renderValue(x, scope));
  if (typeof v === 'object' && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = renderValue(x, scope);
    return o;
  }
  return v;
}

export function renderActions(specs: readonly ActionSpec[], scope: object): ActionRequest[] {
  return specs.map((a) => ({ plugin: a.plugin, params: renderValue(a.params, scope) as Record<string, unknown> }));
}

/** Key values by key name. */
export function keyRecord(names: readonly string[], key: readonly unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) o[names[i]] = detach(key[i]);
  return o;
}

/** Put `value` at the dotted `path` of `o` (so `{{src.ip}}` works in timer-driven hits that have no event). */
function setPath(o: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = o;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (typeof next !== 'object' || next === null) cur[parts[i]] = {};
    cur = cur[parts[i]] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/**
 * Template scope: the event's fields (or, without an event, the key values
 * placed at their field paths), then `rule`, `key`, `count`, `first_ts`, `data`.
 */
export function templateScope(rule: Rule, f: FireArgs, key: Record<string, unknown>): Record<string, unknown> {
  let scope: Record<string, unknown>;
  // A copy of the event's own fields, made by adding them one by one to an empty object, whose
  // hidden-class transitions V8 caches. Not the event as prototype: making an input's reused event
  // object a prototype sends every later store into it (by the decoder, per packet) down V8's slow
  // path. Not a spread copy either: adding the fields below to a spread copy costs about 11 µs in
  // Node 20, against 0.5 µs this way. Rendering finishes before the event object is reused.
  if (f.event) {
    scope = {};
    const ev = f.event as unknown as Record<string, unknown>;
    for (const k of Object.keys(ev)) scope[k] = ev[k];
  } else {
    scope = { ts: f.ts };
    const names = f.keyNames ?? rule.key.names;
    for (let i = 0; i < names.length; i++) setPath(scope, names[i], f.key[i]);
  }
  scope.rule = rule.id;
  scope.key = key;
  scope.count = f.count;
  scope.first_ts = f.first_ts;
  scope.data = f.data;
  return scope;
}

/** The address a hit accuses: the key's `src.ip`, else the event's, else none. */
function accused(rule: Rule, f: FireArgs, ev: VigilEvent | null): string | undefined {
  const i = (f.keyNames ?? rule.key.names).indexOf('src.ip');
  if (i >= 0 && typeof f.key[i] === 'string') return f.key[i] as string;
  return ev?.src?.ip;
}

export function defaultMessage(rule: Rule, key: readonly unknown[]): string {
  let s = rule.id;
  for (const v of key) s += ' ' + partString(v);
  return s;
}

/** Build the hit; returns it with its scope so engine actions can reuse the rendering. */
export function renderHit(rule: Rule, f: FireArgs): Hit {
  const key = keyRecord(f.keyNames ?? rule.key.names, f.key);
  const scope = templateScope(rule, f, key);
  const tmpl = f.message !== undefined && f.message !== null ? f.message : rule.message;
  const hit: { -readonly [K in keyof Hit]: Hit[K] } = {
    ts: f.ts,
    rule: rule.id,
    key,
    tags: f.extraTags?.length ? [...rule.tags, ...f.extraTags] : rule.tags,
    severity: rule.severity,
    message: tmpl ? tmpl.render(scope) : defaultMessage(rule, f.key),
    actions: renderActions(f.actions ?? rule.actions, scope),
  };
  const src = accused(rule, f, f.event);
  if (src !== undefined) hit.src = src;
  if (f.count !== undefined) hit.count = f.count;
  if (f.first_ts !== undefined && Number.isFinite(f.first_ts)) hit.first_ts = f.first_ts;
  if (f.data !== undefined) hit.data = f.data;
  return hit;
}
