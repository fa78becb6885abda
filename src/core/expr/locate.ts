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
