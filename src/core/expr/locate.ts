/** Maps an offset inside expression text to a file position and a caret excerpt. */
import type { SourceLoc } from '../rules/types.ts';

/**
 * `loc` is where the text starts. Text that spans lines (a YAML block
 * scalar) is assumed to keep every line at the column of its first line,
 * which is how block scalars are indented.
 */
export function locAt(source: string, loc: SourceLoc, offset: number): SourceLoc {
  const before = source.slice(0, Math.max(0, Math.min(offset, source.length)));
  const nl = before.lastIndexOf('\n');
  if (nl < 0) return { file: loc.file, line: loc.line, col: loc.col + before.length };
  let lines = 0;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) lines++;
  return { file: loc.file, line: loc.line + lines, col: loc.col + (before.length - nl - 1) };
}

/** The line of `source` holding `offset`, and a caret line under `length` characters from it. */
export function excerptAt(source: string, offset: number, length: number): string {
  const off = Math.max(0, Math.min(offset, source.length));
  const start = source.lastIndexOf('\n', off - 1) + 1;
  let end = source.indexOf('\n', off);
  if (end < 0) end = source.length;
  const line = source.slice(start, end);
  const col = off - start;
  const width = Math.max(1, Math.min(length, line.length - col));
  const pad = line.slice(0, col).replace(/[^\t]/g, ' ');
  return `${line}\n${pad}${'^'.repeat(width)}`;
}

/** Where text sits in its file: the position of an offset in it, and the excerpt to show for a span. */
export interface Placement {
  at(offset: number): SourceLoc;
  excerpt(offset: number, length: number): string;
}

/** Text whose every line starts at the same column as its first (a plain or quoted scalar, or a literal block). */
export function plainPlacement(source: string, loc: SourceLoc): Placement {
  return { at: (o) => locAt(source, loc, o), excerpt: (o, n) => excerptAt(source, o, n) };
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r';

/**
 * Offset in `raw` (the text as written in the file) of offset `offset` of
 * `value` (the text YAML produced from it). Walks both in step: raw line
 * breaks and indentation that folding turned into one space, and the
 * backslashes of double-quoted escapes, are skipped on the raw side.
 */
export function rawOffset(value: string, raw: string, offset: number): number {
  let i = 0, j = 0;
  while (i < offset && j < raw.length) {
    const v = value[i], r = raw[j];
    if (v === r) { i++; j++; }
    else if (r === '\\' || isSpace(r)) j++;
    else if (isSpace(v)) i++;
    else { i++; j++; }
  }
  const target = value[offset];
  while (j < raw.length && raw[j] !== target && isSpace(raw[j])) j++;
  return j;
}

/**
 * Placement through the raw text of a YAML scalar that starts at `loc`
 * (folded blocks, multi-line plain or quoted scalars): lines after the first
 * are shown and counted as they are in the file.
 */
export function rawPlacement(value: string, raw: string, loc: SourceLoc): Placement {
  const at = (o: number): SourceLoc => {
    const j = rawOffset(value, raw, o);
    const nl = raw.lastIndexOf('\n', j - 1);
    if (nl < 0) return { file: loc.file, line: loc.line, col: loc.col + j };
    let lines = 0;
    for (let k = 0; k < j; k++) if (raw.charCodeAt(k) === 10) lines++;
    return { file: loc.file, line: loc.line + lines, col: j - nl };
  };
  return { at, excerpt: (o, n) => excerptAt(raw, rawOffset(value, raw, o), n) };
}

/** A placement for a piece of a larger text starting at `offset` (a template hole). */
export function subPlacement(outer: Placement, offset: number): Placement {
  return { at: (o) => outer.at(offset + o), excerpt: (o, n) => outer.excerpt(offset + o, n) };
}
