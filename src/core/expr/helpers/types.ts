/** The shape of a condition helper: one entry per helper in the registry (index.ts). */
import type { HelperRuntime } from '../api.ts';

export type HelperFn = (...args: unknown[]) => unknown;

/** What a helper may close over. `runtime.host` is read at call time: host facts change live. */
export interface HelperContext {
  readonly runtime: HelperRuntime;
  readonly lists: Readonly<Record<string, readonly unknown[]>>;
}

/** An argument as seen at compile time: its value when it is a constant. */
export type ConstArg = { readonly isConst: true; readonly value: unknown } | { readonly isConst: false };

/** A compile-time problem with a constant argument. */
export interface ArgProblem {
  readonly code: 'VGL_EXPR_BAD_ARGS' | 'VGL_EXPR_UNKNOWN_LIST';
  readonly message: string;
}

export interface HelperSpec {
  readonly name: string;
  /** Signature as shown in docs, e.g. `cidr(ip, cidr_or_list)`. */
  readonly signature: string;
  readonly description: string;
  /** An expression using it, shown in docs. */
  readonly example: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The general implementation. Must never throw: bad input gives false or undefined. */
  make(ctx: HelperContext): HelperFn;
  /**
   * Optional compile-time specialisation when some arguments are constants
   * (a CIDR literal is parsed once, a list name resolved once). Returns a
   * function taking the same arguments, a problem, or null for "use make".
   */
  specialize?(args: readonly ConstArg[], ctx: HelperContext): HelperFn | ArgProblem | null;
}
