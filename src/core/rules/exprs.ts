/**
 * The loader's side of the expression compiler: turns located nodes into
 * compiled expressions and templates, and hands the compiler's diagnostics
 * to the sink with the rule id attached.
 */
import type { CompiledExpr, CompiledTemplate } from './types.ts';
import type { CompileEnv, CompileExprFn, CompileTemplateFn } from '../expr/api.ts';
import type { DiagnosticSink } from './context.ts';
import { describeNode, type LNode } from './source.ts';

export interface ExprCompiler {
  readonly compileExpr: CompileExprFn;
  readonly compileTemplate: CompileTemplateFn;
}

export class ExprTools {
  constructor(
    private readonly compiler: ExprCompiler,
    /** For conditions and other expressions over an event. */
    private readonly env: CompileEnv,
    /** For templates: the event plus `rule`, `key`, `count`, `first_ts`, `data`. */
    private readonly templateEnv: CompileEnv,
    private readonly sink: DiagnosticSink,
    private readonly rule: string | undefined,
  ) {}

  /** Compile an expression node (a string; a number or boolean is taken as its literal text). */
  expr(what: string, n: LNode): CompiledExpr | null {
    if (n.kind !== 'scalar' || n.value === null || (typeof n.value === 'string' && n.value.trim() === '')) {
      this.sink.error('VGL_RULE_VALUE', n.loc, `\`${what}\` must be an expression written as a string, got ${describeNode(n)}`, this.rule);
      return null;
    }
    return this.take(this.compiler.compileExpr(String(n.value), n.textLoc, this.env, n.raw));
  }

  template(what: string, n: LNode): CompiledTemplate | null {
    if (n.kind !== 'scalar' || typeof n.value !== 'string') {
      this.sink.error('VGL_RULE_VALUE', n.loc, `\`${what}\` must be a string (a template with {{ }} holes), got ${describeNode(n)}`, this.rule);
      return null;
    }
    return this.take(this.compiler.compileTemplate(n.value, n.textLoc, this.templateEnv, n.raw));
  }

  /** Compile a template from text that is not itself a node (e.g. a whole-var action param). */
  templateText(text: string, n: LNode): CompiledTemplate | null {
    return this.take(this.compiler.compileTemplate(text, n.kind === 'scalar' ? n.textLoc : n.loc, this.templateEnv));
  }

  private take<T>(r: { ok: true; value: T } | { ok: false; diagnostics: import('./types.ts').Diagnostic[] }): T | null {
    if (r.ok) return r.value;
    for (const d of r.diagnostics) this.sink.add(d, this.rule);
    return null;
  }
}
