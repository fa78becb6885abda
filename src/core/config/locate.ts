/**
 * Maps a path inside the parsed YAML (`["inputs", 0, "interval"]`) back to
 * file:line:column, so every config error points at the spot to fix.
 */
import { isMap, isSeq, isScalar, isPair, LineCounter, type Document, type Node } from 'yaml';
import type { SourceLoc } from '../rules/types.ts';

export interface ConfigSource {
  /** File name as given (or `<embedded default>`). */
  readonly file: string;
  readonly text: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

export type ConfigPath = readonly PropertyKey[];

/** Location of the value at `path`; with `asKey`, of the key that names it. Falls back to the nearest existing parent. */
export function locate(src: ConfigSource, path: ConfigPath, asKey = false): SourceLoc {
  let node: unknown = src.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (last && asKey) { offset = keyNode.range?.[0] ?? offset; break; }
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  const pos = src.lines.linePos(offset);
  return { file: src.file, line: pos.line, col: pos.col };
}

/** `inputs[0].interval` */
export function pathText(path: ConfigPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : (s ? '.' : '') + String(seg);
  return s || '(top level)';
}
