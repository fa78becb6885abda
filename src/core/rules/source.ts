/**
 * YAML text to a small located tree. Every node keeps the file:line:col of
 * its first character, so any later check can point at the exact spot, and
 * overrides can splice nodes from different files into one rule.
 */
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isAlias, type Node as YamlNode, type Document } from 'yaml';
import type { SourceLoc } from './types.ts';

export type Scalar = string | number | boolean | null;

export interface LScalar {
  readonly kind: 'scalar';
  readonly value: Scalar;
  /** Where the node starts (the opening quote of a quoted string). */
  readonly loc: SourceLoc;
  /** Where the text itself starts: after a quote, or the first line of a block scalar. Expressions are located from here. */
  readonly textLoc: SourceLoc;
  /**
   * The text as written from `textLoc` on, when it differs from `value`
   * (folded or multi-line scalars, escapes): positions in the value are
   * mapped through it to the file's own lines and columns.
   */
  readonly raw?: string;
}
export interface LSeq { readonly kind: 'seq'; readonly items: readonly LNode[]; readonly loc: SourceLoc }
export interface LEntry { readonly key: string; readonly keyLoc: SourceLoc; readonly node: LNode }
export interface LMap { readonly kind: 'map'; readonly entries: ReadonlyMap<string, LEntry>; readonly loc: SourceLoc }
export type LNode = LScalar | LSeq | LMap;

/**
 * A reason the file yields no tree. `syntax` messages are the YAML parser's
 * own; `alias` messages are whole sentences with the fix.
 */
export interface SyntaxProblem { readonly kind: 'syntax' | 'alias'; readonly loc: SourceLoc; readonly message: string }

/**
 * Most nodes one file's aliases may add to its tree. Aliases are expanded
 * here, node by node (yaml's own `maxAliasCount` guards only its toJS), so an
 * anchor that repeats an anchor that repeats another grows the tree tenfold
 * per line; a rule file that shares a port list across rules needs hundreds.
 */
export const MAX_ALIAS_NODES = 10_000;

export interface ParsedFile {
  readonly file: string;
  readonly lines: readonly string[];
  /** Null when the text has syntax errors or an alias that cannot be expanded (then `problems` is not empty), or is empty. */
  readonly root: LNode | null;
  readonly problems: readonly SyntaxProblem[];
}

/** Parse one file's text; YAML errors become located problems and no tree. */
export function parseSource(file: string, text: string): ParsedFile {
  const lines = text.split('\n');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = (offset: number): SourceLoc => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    const problems = doc.errors.map((e): SyntaxProblem => ({ kind: 'syntax', loc: at(e.pos[0]), message: firstLine(e.message) }));
    return { file, lines, root: null, problems };
  }
  if (doc.contents === null) return { file, lines, root: null, problems: [] };
  try {
    return { file, lines, root: convert(doc, doc.contents, at, text, { expanding: new Set(), outer: null, nodes: 0, targets: new Map() }), problems: [] };
  } catch (err) {
    if (err instanceof AliasProblem) return { file, lines, root: null, problems: [{ kind: 'alias', loc: err.loc, message: err.message }] };
    throw err;
  }
}

function firstLine(s: string): string {
  const line = s.split('\n')[0].trim();
  return line.endsWith('.') ? line.slice(0, -1) : line;
}

/** Ends a conversion: the file cannot be turned into a finite, small tree. */
class AliasProblem extends Error {
  constructor(readonly loc: SourceLoc, message: string) { super(message); }
}

/** What one file's conversion knows of the aliases it is expanding. */
interface Expansion {
  /** Anchored nodes being expanded through an alias right now: meeting one again means the tree would be endless. */
  readonly expanding: Set<YamlNode>;
  /** The outermost alias being expanded, which the author wrote where the tree grows; null outside aliases. */
  outer: { readonly name: string; readonly loc: SourceLoc } | null;
  /** Nodes the aliases have added so far, against MAX_ALIAS_NODES. */
  nodes: number;
  /** `Alias.resolve` walks the document up to the alias on every call; an alias met again through an anchor resolves once. */
  readonly targets: Map<YamlNode, YamlNode | undefined>;
}

function convert(doc: Document, node: YamlNode, at: (o: number) => SourceLoc, text: string, cx: Expansion): LNode {
  const start = node.range?.[0] ?? 0;
  if (isAlias(node)) {
    if (!cx.targets.has(node)) cx.targets.set(node, node.resolve(doc));
    const target = cx.targets.get(node);
    if (!target) return { kind: 'scalar', value: null, loc: at(start), textLoc: at(start) };
    if (cx.expanding.has(target)) {
      throw new AliasProblem(at(start), `alias \`*${node.source}\` is inside the node anchored \`&${node.source}\`, so the value would contain itself without end; replace the alias by the values it should repeat (nothing of this file was loaded)`);
    }
    const outermost = cx.outer === null;
    if (outermost) cx.outer = { name: node.source, loc: at(start) };
    cx.expanding.add(target);
    try {
      return convert(doc, target, at, text, cx);
    } finally {
      cx.expanding.delete(target);
      if (outermost) cx.outer = null;
    }
  }
  if (cx.outer && ++cx.nodes > MAX_ALIAS_NODES) {
    throw new AliasProblem(cx.outer.loc, `alias \`*${cx.outer.name}\` makes this file's aliases expand to more than ${MAX_ALIAS_NODES} YAML nodes (an alias repeats everything its anchor holds, the aliases inside it included); write the values out, or anchor only the pieces that are shared (nothing of this file was loaded)`);
  }
  if (isMap(node)) {
    const entries = new Map<string, LEntry>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const keyStart = keyNode?.range?.[0] ?? start;
      const valueNode = pair.value as YamlNode | null;
      const child: LNode = valueNode
        ? convert(doc, valueNode, at, text, cx)
        : { kind: 'scalar', value: null, loc: at(keyNode?.range?.[1] ?? keyStart), textLoc: at(keyNode?.range?.[1] ?? keyStart) };
      entries.set(key, { key, keyLoc: at(keyStart), node: child });
    }
    return { kind: 'map', entries, loc: at(start) };
  }
  if (isSeq(node)) {
    const items = node.items.map((it) => convert(doc, it as YamlNode, at, text, cx));
    return { kind: 'seq', items, loc: at(start) };
  }
  if (isScalar(node)) {
    const v = node.value;
    const value: Scalar = v === null || v === undefined ? null
      : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v
      : String(v);
    const from = textStart(node.type, start, text);
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    const end = (node.range?.[1] ?? from) - (quoted ? 1 : 0);
    const raw = typeof value === 'string' && end > from ? text.slice(from, end) : undefined;
    return raw !== undefined && raw !== value
      ? { kind: 'scalar', value, loc: at(start), textLoc: at(from), raw }
      : { kind: 'scalar', value, loc: at(start), textLoc: at(from) };
  }
  return { kind: 'scalar', value: null, loc: at(start), textLoc: at(start) };
}

/** Offset of the first character of a scalar's text (past a quote, or past a block header). */
function textStart(type: string | undefined, start: number, text: string): number {
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') return start + 1;
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return start;
    let i = nl + 1;
    while (i < text.length && text[i] === ' ') i++;
    return i;
  }
  return start;
}

/** The plain JavaScript value of a node. */
export function toPlain(n: LNode): unknown {
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'seq') return n.items.map(toPlain);
  const o: Record<string, unknown> = {};
  // Defined, not assigned: assigning a `__proto__` key would set the object's prototype instead of keeping the entry.
  for (const [k, e] of n.entries) Object.defineProperty(o, k, { value: toPlain(e.node), enumerable: true, writable: true, configurable: true });
  return o;
}

/** YAML kind of a node in words, for messages ("a list", "a string", …). */
export function describeNode(n: LNode): string {
  if (n.kind === 'map') return 'a map';
  if (n.kind === 'seq') return 'a list';
  return describeValue(n.value);
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a map';
}
