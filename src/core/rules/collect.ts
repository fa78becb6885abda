/**
 * Pass one over the parsed files, in load order: gathers vars, lists, macros
 * and rule definitions, and applies overrides as they come. Nothing is
 * compiled here; a rule is still a map of located YAML nodes, so pass two can
 * point every error at the file that wrote the offending value.
 */
import type { SourceLoc } from './types.ts';
import type { DiagnosticSink } from './context.ts';
import { describeNode, toPlain, type LEntry, type LMap, type LNode, type ParsedFile, type Scalar } from './source.ts';
import { RULE_ID, SNAKE_NAME, reservedReason } from './names.ts';
import { suggestion } from '../text/nearest.ts';
import { applyOverride } from './overrides.ts';
import { collectContextDecl, type ContextDecl } from './context-limits.ts';

export const TOP_LEVEL_KEYS = ['vars', 'lists', 'macros', 'contexts', 'rules', 'overrides'] as const;

export interface VarDef { readonly name: string; readonly value: unknown; readonly loc: SourceLoc }
export interface ListDef { readonly name: string; readonly values: readonly Scalar[]; readonly loc: SourceLoc }
/** A macro as written; `raw` as on the scalar it came from (see LScalar). */
export interface MacroDef { readonly name: string; readonly source: string; readonly loc: SourceLoc; readonly raw?: string }

/** A rule as written, with overrides spliced in; keys map to the located node that set them last. */
export interface RuleDef {
  readonly id: string;
  readonly loc: SourceLoc;
  readonly fields: Map<string, LEntry>;
}

export interface Collected {
  readonly vars: Map<string, VarDef>;
  readonly lists: Map<string, ListDef>;
  readonly macros: Map<string, MacroDef>;
  readonly rules: RuleDef[];
  readonly byId: Map<string, RuleDef>;
  /** `contexts:` declarations in load order (resolved once vars are final). */
  readonly contexts: ContextDecl[];
}

/**
 * `overlay` is a test case's case.yaml: after every file, its `lists:` and
 * `macros:` change lists and macros the files define (see applyCaseOverlay).
 */
export function collect(files: readonly ParsedFile[], sink: DiagnosticSink, overlay?: ParsedFile): Collected {
  const out: Collected = { vars: new Map(), lists: new Map(), macros: new Map(), rules: [], byId: new Map(), contexts: [] };
  for (const f of files) {
    if (!f.root) continue;
    if (f.root.kind !== 'map') {
      sink.error('VGL_FILE_SHAPE', f.root.loc, `a rule file must be a map of ${TOP_LEVEL_KEYS.map((k) => `\`${k}\``).join(', ')}, got ${describeNode(f.root)}; start the file with one of those keys`);
      continue;
    }
    const section = (name: string, kind: 'map' | 'seq'): LNode | null => {
      const e = f.root && f.root.kind === 'map' ? f.root.entries.get(name) : undefined;
      if (!e) return null;
      if (e.node.kind === 'scalar' && e.node.value === null) return null; // `rules:` with nothing under it
      if (e.node.kind !== kind) {
        sink.error('VGL_FILE_SHAPE', e.node.loc, `\`${name}\` must be ${kind === 'map' ? 'a map' : 'a list'}, got ${describeNode(e.node)}`);
        return null;
      }
      return e.node;
    };
    for (const [key, e] of f.root.entries) {
      if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
        sink.error('VGL_FILE_UNKNOWN_KEY', e.keyLoc, `\`${key}\` is not a top-level key of a rule file${suggestion(key, TOP_LEVEL_KEYS)}`);
      }
    }
    const vars = section('vars', 'map');
    if (vars?.kind === 'map') collectVars(vars, out, sink);
    const macros = section('macros', 'map');
    if (macros?.kind === 'map') collectMacros(macros, out, sink);
    const lists = section('lists', 'map');
    if (lists?.kind === 'map') collectLists(lists, out, sink);
    const contexts = section('contexts', 'map');
    if (contexts?.kind === 'map') collectContextDecl(contexts, out.contexts, sink);
    const rules = section('rules', 'seq');
    if (rules?.kind === 'seq') for (const r of rules.items) collectRule(r, out, sink);
    const overrides = section('overrides', 'seq');
    if (overrides?.kind === 'seq') for (const o of overrides.items) applyOverride(o, out.byId, sink);
  }
  if (overlay?.root?.kind === 'map') applyCaseOverlay(overlay.root, out, sink);
  // A list may not share a macro's name; checked once all files are in, since either may come later.
  for (const l of out.lists.values()) {
    if (out.macros.has(l.name)) sink.error('VGL_NAME_INVALID', l.loc, `list \`${l.name}\` has the name of a macro; rename the list or the macro`);
  }
  return out;
}

/**
 * A case's lists and macros, read like those of a last rule file, except that
 * each must name a list or macro the files define: a case that defined a new
 * one would test nothing, and a typo would pass unnoticed.
 */
function applyCaseOverlay(root: LMap, out: Collected, sink: DiagnosticSink): void {
  const known = (kind: 'list' | 'macro', defined: ReadonlyMap<string, unknown>, m: LMap): LMap => {
    const kept = new Map<string, LEntry>();
    for (const [raw, e] of m.entries) {
      const name = kind === 'list' && raw.endsWith('+') ? raw.slice(0, -1) : raw;
      if (defined.has(name)) { kept.set(raw, e); continue; }
      sink.error('VGL_TEST_CASE', e.keyLoc, `case ${kind} \`${name}\` names no ${kind} of the ruleset${suggestion(name, defined.keys(), { otherwise: `a case may only change ${kind}s the rule files define` })}`);
    }
    return { kind: 'map', entries: kept, loc: m.loc };
  };
  const lists = root.entries.get('lists')?.node;
  if (lists?.kind === 'map') collectLists(known('list', out.lists, lists), out, sink);
  const macros = root.entries.get('macros')?.node;
  if (macros?.kind === 'map') collectMacros(known('macro', out.macros, macros), out, sink);
}

function checkName(kind: 'var' | 'list' | 'macro', name: string, loc: SourceLoc, sink: DiagnosticSink): boolean {
  if (!SNAKE_NAME.test(name)) {
    sink.error('VGL_NAME_INVALID', loc, `${kind} name \`${name}\` must be lower_snake_case (letters, digits and _ , starting with a letter), e.g. \`${toSnake(name)}\``);
    return false;
  }
  if (kind !== 'var') {
    const why = reservedReason(name);
    if (why) { sink.error('VGL_NAME_INVALID', loc, `${kind} name \`${name}\` is taken because ${why}; choose another name`); return false; }
  }
  return true;
}

function toSnake(name: string): string {
  const s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').replace(/_+/g, '_');
  return s || 'name';
}

function collectVars(m: LMap, out: Collected, sink: DiagnosticSink): void {
  for (const [name, e] of m.entries) {
    if (!checkName('var', name, e.keyLoc, sink)) continue;
    out.vars.set(name, { name, value: toPlain(e.node), loc: e.keyLoc });
  }
}

function collectMacros(m: LMap, out: Collected, sink: DiagnosticSink): void {
  for (const [name, e] of m.entries) {
    if (!checkName('macro', name, e.keyLoc, sink)) continue;
    const n = e.node;
    if (n.kind !== 'scalar' || n.value === null || (typeof n.value === 'string' && n.value.trim() === '')) {
      sink.error('VGL_MACRO_VALUE', n.loc, `macro \`${name}\` must be an expression written as a string, got ${describeNode(n)}; write e.g. \`${name}: "false"\``);
      continue;
    }
    out.macros.set(name, n.raw !== undefined ? { name, source: String(n.value), loc: n.textLoc, raw: n.raw } : { name, source: String(n.value), loc: n.textLoc });
  }
}

function collectLists(m: LMap, out: Collected, sink: DiagnosticSink): void {
  for (const [rawName, e] of m.entries) {
    const extend = rawName.endsWith('+');
    const name = extend ? rawName.slice(0, -1) : rawName;
    if (!checkName('list', name, e.keyLoc, sink)) continue;
    const values = listValues(name, e.node, sink);
    if (!values) continue;
    if (extend) {
      const prev = out.lists.get(name);
      if (!prev) {
        const fix = suggestion(name, out.lists.keys(), { show: (l) => `${l}+`, otherwise: `define it first with \`${name}: [...]\`` });
        sink.error('VGL_LIST_EXTEND_UNDEFINED', e.keyLoc, `\`${rawName}\` extends list \`${name}\`, which is not defined before it${fix}`);
        continue;
      }
      out.lists.set(name, { name, values: [...prev.values, ...values], loc: prev.loc });
    } else {
      out.lists.set(name, { name, values, loc: e.keyLoc });
    }
  }
}

function listValues(name: string, n: LNode, sink: DiagnosticSink): Scalar[] | null {
  if (n.kind !== 'seq') {
    sink.error('VGL_LIST_VALUE', n.loc, `list \`${name}\` must be a YAML list of scalars, got ${describeNode(n)}; write e.g. \`${name}: [23, 2323]\``);
    return null;
  }
  const values: Scalar[] = [];
  let ok = true;
  for (const it of n.items) {
    if (it.kind !== 'scalar' || it.value === null) {
      sink.error('VGL_LIST_VALUE', it.loc, `item of list \`${name}\` must be a string, number or boolean, got ${describeNode(it)}`);
      ok = false;
    } else values.push(it.value);
  }
  return ok ? values : null;
}

function collectRule(n: LNode, out: Collected, sink: DiagnosticSink): void {
  if (n.kind !== 'map') {
    sink.error('VGL_RULE_SHAPE', n.loc, `a rule must be a map of rule keys (\`id\`, \`description\`, \`on\`, \`type\`, …), got ${describeNode(n)}`);
    return;
  }
  const idEntry = n.entries.get('id');
  if (!idEntry) {
    sink.error('VGL_RULE_MISSING_KEY', n.loc, 'a rule needs an `id`; add `id: some-rule-name` (lower-kebab-case)');
    return;
  }
  const idNode = idEntry.node;
  if (idNode.kind !== 'scalar' || typeof idNode.value !== 'string' || !RULE_ID.test(idNode.value)) {
    const got = describeNode(idNode);
    const hint = idNode.kind === 'scalar' && idNode.value !== null ? `, e.g. \`${kebab(String(idNode.value))}\`` : '';
    sink.error('VGL_RULE_ID', idNode.loc, `rule \`id\` must be lower-kebab-case, got ${got}; use lowercase words joined by hyphens${hint}`);
    return;
  }
  const id = idNode.value;
  const prev = out.byId.get(id);
  if (prev) {
    const where = `${prev.loc.file}:${prev.loc.line}`;
    const fix = prev.loc.file === idNode.loc.file
      ? 'give this rule another id'
      : `to change that rule from this file, write \`overrides: [{ id: ${id}, replace: {...} }]\` instead`;
    sink.error('VGL_RULE_DUPLICATE_ID', idNode.loc, `rule id \`${id}\` is already defined at ${where}; ${fix}`, id);
    return;
  }
  const def: RuleDef = { id, loc: n.loc, fields: new Map(n.entries) };
  out.rules.push(def);
  out.byId.set(id, def);
}

function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+|-+$/g, '') || 'rule-name';
}
