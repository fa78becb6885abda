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
}
export interface LSeq { readonly kind: 'seq'; readonly items: readonly LNode[]; readonly loc: SourceLoc }
export interface LEntry { readonly key: string; readonly keyLoc: SourceLoc; readonly node: LNode }
export interface LMap { readonly kind: 'map'; readonly entries: ReadonlyMap<string, LEntry>; readonly loc: SourceLoc }
export type LNode = LScalar | LSeq | LMap;

export interface SyntaxProblem { readonly loc: SourceLoc; readonly message: string }

export interface ParsedFile {
  readonly file: string;
  readonly lines: readonly string[];
  /** Null when the text has syntax errors (then `problems` is not empty) or is empty. */
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
    const problems = doc.errors.map((e) => ({ loc: at(e.pos[0]), message: firstLine(e.message) }));
    return { file, lines, root: null, problems };
  }
  if (doc.contents === null) return { file, lines, root: null, problems: [] };
  return { file, lines, root: convert(doc, doc.contents, at, text), problems: [] };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0].trim();
  return line.endsWith('.') ? line.slice(0, -1) : line;
}

function convert(doc: Document, node: YamlNode, at: (o: number) => SourceLoc, text: string): LNode {
  const start = node.range?.[0] ?? 0;
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target) return convert(doc, target, at, text);
    return { kind: 'scalar', value: null, loc: at(start), textLoc: at(start) };
  }
  if (isMap(node)) {
    const entries = new Map<string, LEntry>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const keyStart = keyNode?.range?.[0] ?? start;
      const valueNode = pair.value as YamlNode | null;
      const child: LNode = valueNode
        ? convert(doc, valueNode, at, text)
        : { kind: 'scalar', value: null, loc: at(keyNode?.range?.[1] ?? keyStart), textLoc: at(keyNode?.range?.[1] ?? keyStart) };
      entries.set(key, { key, keyLoc: at(keyStart), node: child });
    }
    return { kind: 'map', entries, loc: at(start) };
  }
  if (isSeq(node)) {
    const items = node.items.map((it) => convert(doc, it as YamlNode, at, text));
    return { kind: 'seq', items, loc: at(start) };
  }
  if (isScalar(node)) {
    const v = node.value;
    const value: Scalar = v === null || v === undefined ? null
      : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v
      : String(v);
    return { kind: 'scalar', value, loc: at(start), textLoc: at(textStart(node.type, start, text)) };
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
  for (const [k, e] of n.entries) o[k] = toPlain(e.node);
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
