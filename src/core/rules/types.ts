/**
 * The rule model after loading: what the loader (src/core/rules/load*.ts)
 * produces from YAML and what correlation types (src/core/engine/types/*.ts)
 * consume. Locations travel with every piece so any later error can point
 * at file:line:column.
 */
import type { EventKind } from '../fields.ts';
import type { Severity } from '../hit.ts';

export interface SourceLoc { readonly file: string; readonly line: number; readonly col: number }

/** A compiled expression: jexl source compiled once to a plain function. */
export interface CompiledExpr {
  readonly source: string;
  readonly loc: SourceLoc;
  /** Evaluate over an event (or a template scope). Never throws: errors yield undefined. */
  readonly fn: (scope: object) => unknown;
  /** Field paths the expression reads (for validation and indexing). */
  readonly fields: readonly string[];
}

/** A string with `{{ expr }}` holes, compiled. */
export interface CompiledTemplate {
  readonly source: string;
  readonly render: (scope: object) => string;
}

export interface ActionSpec {
  readonly plugin: string;
  /** Each param is a compiled template when it was a string, else the literal value. */
  readonly params: Readonly<Record<string, CompiledTemplate | unknown>>;
  readonly loc: SourceLoc;
}

export interface KeySpec {
  /** Names of the key parts (field path or the map key). */
  readonly names: readonly string[];
  readonly exprs: readonly CompiledExpr[];
}

/** A rule after loading, overrides applied, vars substituted, expressions compiled. */
export interface Rule {
  readonly id: string;
  readonly description: string;
  readonly loc: SourceLoc;
  readonly on: readonly EventKind[];
  readonly when: CompiledExpr | null;
  readonly type: string;
  readonly key: KeySpec;
  readonly severity: Severity;
  readonly tags: readonly string[];
  readonly message: CompiledTemplate | null;
  readonly actions: readonly ActionSpec[];
  readonly maxKeys: number;
  readonly limit: { readonly count: number; readonly perMs: number; readonly notice: string } | null;
  /** Type-specific parameters, already validated and compiled by the type's `validate`. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Hash of the rule's normalised definition (including vars, lists and
   * macros it uses). On hot reload a rule with the same hash keeps its state.
   */
  readonly hash: string;
}

export interface Ruleset {
  readonly rules: readonly Rule[];
  readonly vars: Readonly<Record<string, unknown>>;
  readonly lists: Readonly<Record<string, readonly unknown[]>>;
  /** Files read, in load order. */
  readonly files: readonly string[];
  /**
   * Rules switched off with `enabled: false` (in the rule or an override):
   * validated and compiled like the others, listed by `vigil rules list`,
   * never run.
   */
  readonly disabled?: readonly Rule[];
  /**
   * Limits of contexts by name, from the files' `contexts:` sections. A name
   * not listed keeps the engine's default. The engine hands them to its
   * ContextStore on every load.
   */
  readonly contexts?: Readonly<Record<string, ContextLimits>>;
}

/** Limits of one context name (`contexts: { name: { max_keys: N } }`). */
export interface ContextLimits {
  /** Keys the name holds at most; setting one more evicts the least recently set. */
  readonly maxKeys: number;
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly loc: SourceLoc;
  readonly rule?: string;
  readonly message: string;
  /** The source line and a caret under the spot, for human output. */
  readonly excerpt?: string;
}

export type { Severity };
