/**
 * `overrides:` entries: how a later file tunes a rule of an earlier one
 * without editing it. `replace` swaps whole keys, `append` extends list keys,
 * `enabled` switches the rule on or off. The spliced nodes keep their own
 * locations, so an error in an override points at the override.
 */
import type { DiagnosticSink } from './context.ts';
import type { RuleDef } from './collect.ts';
import { describeNode, type LEntry, type LNode } from './source.ts';
import { suggestion } from '../text/nearest.ts';

const OVERRIDE_KEYS = ['id', 'replace', 'append', 'enabled'] as const;
/** Keys whose value is a list in every rule; `append` may create them. */
const APPENDABLE = ['on', 'tags', 'actions', 'key'] as const;

export function applyOverride(n: LNode, byId: ReadonlyMap<string, RuleDef>, sink: DiagnosticSink): void {
  if (n.kind !== 'map') {
    sink.error('VGL_OVERRIDE_SHAPE', n.loc, `an override must be a map with \`id\` and \`replace\`, \`append\` or \`enabled\`, got ${describeNode(n)}`);
    return;
  }
  let bad = false;
  for (const [key, e] of n.entries) {
    if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) {
      sink.error('VGL_OVERRIDE_SHAPE', e.keyLoc, `\`${key}\` is not a key of an override${suggestion(key, OVERRIDE_KEYS)}`);
      bad = true;
    }
  }
  const idEntry = n.entries.get('id');
  if (!idEntry || idEntry.node.kind !== 'scalar' || typeof idEntry.node.value !== 'string') {
    sink.error('VGL_OVERRIDE_SHAPE', idEntry?.node.loc ?? n.loc, `an override needs \`id\`, the id of the rule to change, as a string${idEntry ? `, got ${describeNode(idEntry.node)}` : ''}`);
    return;
  }
  const id = idEntry.node.value;
  const replace = n.entries.get('replace');
  const append = n.entries.get('append');
  const enabled = n.entries.get('enabled');
  if (!replace && !append && !enabled && !bad) {
    sink.error('VGL_OVERRIDE_SHAPE', n.loc, `override of \`${id}\` changes nothing; add \`replace: {...}\`, \`append: {...}\` or \`enabled: false\``, id);
    return;
  }
  const def = byId.get(id);
  if (!def) {
    sink.error('VGL_OVERRIDE_UNKNOWN_RULE', idEntry.node.loc, `override names rule \`${id}\`, which no earlier file defines${suggestion(id, [...byId.keys()])}`, id);
    return;
  }
  if (bad) return;
  if (enabled) {
    if (enabled.node.kind !== 'scalar' || typeof enabled.node.value !== 'boolean') {
      sink.error('VGL_OVERRIDE_SHAPE', enabled.node.loc, `override \`enabled\` must be true or false, got ${describeNode(enabled.node)}`, id);
    } else def.fields.set('enabled', enabled);
  }
  if (replace) applyReplace(def, replace, sink);
  if (append) applyAppend(def, append, sink);
}

function applyReplace(def: RuleDef, e: LEntry, sink: DiagnosticSink): void {
  if (e.node.kind !== 'map') {
    sink.error('VGL_OVERRIDE_SHAPE', e.node.loc, `override \`replace\` must be a map of rule keys to new values, got ${describeNode(e.node)}`, def.id);
    return;
  }
  for (const [key, entry] of e.node.entries) {
    if (key === 'id') {
      sink.error('VGL_OVERRIDE_FIELD', entry.keyLoc, `override cannot replace \`id\`; disable the rule with \`enabled: false\` and define a new one`, def.id);
      continue;
    }
    // Unknown keys are reported when the rule is compiled, located here.
    def.fields.set(key, entry);
  }
}

function applyAppend(def: RuleDef, e: LEntry, sink: DiagnosticSink): void {
  if (e.node.kind !== 'map') {
    sink.error('VGL_OVERRIDE_SHAPE', e.node.loc, `override \`append\` must be a map of list keys to the items to add, got ${describeNode(e.node)}`, def.id);
    return;
  }
  for (const [key, entry] of e.node.entries) {
    const cur = def.fields.get(key);
    if (key === 'id' || (!(APPENDABLE as readonly string[]).includes(key) && cur?.node.kind !== 'seq')) {
      sink.error('VGL_OVERRIDE_FIELD', entry.keyLoc, `override cannot append to \`${key}\`, which is not a list key; append to ${APPENDABLE.map((k) => `\`${k}\``).join(', ')}, or use \`replace\``, def.id);
      continue;
    }
    if (entry.node.kind !== 'seq') {
      sink.error('VGL_OVERRIDE_FIELD', entry.node.loc, `override \`append.${key}\` must be a list of items to add, got ${describeNode(entry.node)}; write \`${key}: [...]\``, def.id);
      continue;
    }
    if (cur && cur.node.kind !== 'seq') {
      sink.error('VGL_OVERRIDE_FIELD', entry.keyLoc, `override cannot append to \`${key}\`: the rule's \`${key}\` (${cur.keyLoc.file}:${cur.keyLoc.line}) is ${describeNode(cur.node)}, not a list; use \`replace\``, def.id);
      continue;
    }
    const items = cur && cur.node.kind === 'seq' ? [...cur.node.items, ...entry.node.items] : [...entry.node.items];
    def.fields.set(key, { key, keyLoc: cur?.keyLoc ?? entry.keyLoc, node: { kind: 'seq', items, loc: cur?.node.loc ?? entry.node.loc } });
  }
}
