/**
 * Collects diagnostics for one load pass. Every diagnostic gets the source
 * excerpt with a caret, and duplicates (the same problem reached twice, e.g.
 * through a macro used by two rules) are reported once.
 */
import type { Diagnostic, SourceLoc } from './types.ts';
import { makeExcerpt } from './diagnostics.ts';
import type { LoaderCode } from './codes.ts';
import type { ExprCode } from '../expr/codes.ts';

export type Code = LoaderCode | ExprCode;

export class DiagnosticSink {
  private readonly lines = new Map<string, readonly string[]>();
  private readonly seen = new Set<string>();
  private errors = 0;
  readonly list: Diagnostic[] = [];

  addSource(file: string, lines: readonly string[]): void { this.lines.set(file, lines); }

  error(code: Code, loc: SourceLoc, message: string, rule?: string): void {
    this.add({ code, severity: 'error', loc, message, ...(rule !== undefined ? { rule } : {}) });
  }

  warn(code: Code, loc: SourceLoc, message: string, rule?: string): void {
    this.add({ code, severity: 'warning', loc, message, ...(rule !== undefined ? { rule } : {}) });
  }

  /** Add a diagnostic made elsewhere (the expression compiler); fills in the rule and the excerpt. */
  add(d: Diagnostic, rule?: string): void {
    const withRule = d.rule === undefined && rule !== undefined ? { ...d, rule } : d;
    // The compiler prefixes problems met while expanding a macro with "in macro `x`: "; the macro's own check already reported them.
    const plain = withRule.message.replace(/^(?:in macro `[^`]+`: )+/, '');
    const id = `${withRule.code}\u0000${withRule.loc.file}\u0000${withRule.loc.line}\u0000${withRule.loc.col}\u0000${plain}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const lines = this.lines.get(withRule.loc.file);
    // The compiler's excerpt shows only the expression; redraw it from the file line so every diagnostic looks alike.
    const width = withRule.excerpt ? (/\^+/.exec(withRule.excerpt.split('\n').pop() ?? '')?.[0].length ?? 1) : 1;
    const excerpt = (lines ? makeExcerpt(lines, withRule.loc.line, withRule.loc.col, width) : undefined) ?? withRule.excerpt;
    this.list.push(excerpt !== undefined ? { ...withRule, excerpt } : withRule);
    if (withRule.severity === 'error') this.errors++;
  }

  get errorCount(): number { return this.errors; }

  /** Diagnostics in load order of their files, then by position. */
  sorted(fileOrder: readonly string[]): Diagnostic[] {
    const rank = new Map(fileOrder.map((f, i) => [f, i]));
    return this.list
      .map((d, i) => ({ d, i }))
      .sort((a, b) =>
        (rank.get(a.d.loc.file) ?? -1) - (rank.get(b.d.loc.file) ?? -1)
        || a.d.loc.line - b.d.loc.line
        || a.d.loc.col - b.d.loc.col
        || a.i - b.i)
      .map((x) => x.d);
  }
}
