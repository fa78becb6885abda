/**
 * The one table of diagnostic codes (the rule loader's merged with the
 * expression compiler's, the config loader's and the plugin loader's) and the two output forms of a diagnostic: the human line with
 * an excerpt and caret, and a JSON object for `--json`.
 */
import type { Diagnostic, SourceLoc } from './types.ts';
import { LOADER_CODES, type CodeInfo } from './codes.ts';
import { EXPR_CODES } from '../expr/codes.ts';
import { CONFIG_CODES } from '../config/codes.ts';
import { PLUGIN_CODES } from '../plugins/codes.ts';

export type { CodeInfo };

/** Every code vigil reports (rules, expressions, config, plugins), with its title, description and docs anchor. */
export const DIAGNOSTIC_CODES: Readonly<Record<string, CodeInfo>> = Object.freeze({ ...LOADER_CODES, ...EXPR_CODES, ...CONFIG_CODES, ...PLUGIN_CODES });

/** The anchor of a code's section in docs/errors.md. */
export function docsAnchor(code: string): string {
  return `errors.md#${code.toLowerCase()}`;
}

/** The source line at `line` with `width` carets from `col`, or undefined when the line is not there. */
export function makeExcerpt(lines: readonly string[], line: number, col: number, width = 1): string | undefined {
  if (line < 1 || line > lines.length) return undefined;
  const text = lines[line - 1].replace(/\r$/, '');
  const num = String(line);
  const pad = ' '.repeat(num.length);
  // Tabs keep their width in the caret line so the caret stays under the spot.
  const lead = text.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
  return `${num} | ${text}\n${pad} | ${lead}${'^'.repeat(Math.max(1, width))}`;
}

/** `file:line:col` */
export function formatLoc(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** Human form: `file:line:col rule \`id\`: message [CODE]`, then the excerpt with its caret. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${formatLoc(d.loc)}${d.rule ? ` rule \`${d.rule}\`` : ''}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message} [${d.code}]`;
  return d.excerpt ? `${head}\n${d.excerpt}` : head;
}

/** JSON form, one object per diagnostic, for `vigil rules check --json`. */
export function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  const info = DIAGNOSTIC_CODES[d.code];
  const o: Record<string, unknown> = {
    code: d.code,
    severity: d.severity,
    file: d.loc.file,
    line: d.loc.line,
    col: d.loc.col,
  };
  if (d.rule !== undefined) o.rule = d.rule;
  o.message = d.message;
  if (info) { o.title = info.title; o.docs = docsAnchor(d.code); }
  return o;
}

/** True when any diagnostic is an error (warnings alone do not refuse a ruleset). */
export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}
