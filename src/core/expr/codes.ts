/**
 * Diagnostic codes of the expression compiler. The rule loader's code table
 * (src/core/rules/diagnostics.ts) includes these; a code is never reused.
 */
import type { CodeInfo } from '../rules/codes.ts';

export const EXPR_CODES = {
  VGL_EXPR_SYNTAX: {
    title: 'Expression syntax error',
    description: 'The condition or template hole is not valid jexl: an operator without an operand, an unclosed parenthesis or string, a character jexl does not know.',
  },
  VGL_EXPR_UNKNOWN_FIELD: {
    title: 'Unknown name in an expression',
    description: 'An identifier is not a field, macro, list, var or template value. The message names the nearest valid name.',
  },
  VGL_EXPR_UNKNOWN_HELPER: {
    title: 'Unknown helper function or transform',
    description: 'A function call `name(…)` or transform `x|name` names no helper. The message names the nearest helper.',
  },
  VGL_EXPR_UNKNOWN_VAR: {
    title: 'Unknown var',
    description: 'A `$name` reference names no var defined in `vars:` of any rule file.',
  },
  VGL_EXPR_UNKNOWN_LIST: {
    title: 'Unknown list',
    description: 'A helper argument that must name a list (`in_list(x, "name")`, `cidr(ip, "name")`) names no list.',
  },
  VGL_EXPR_MACRO_CYCLE: {
    title: 'Macro cycle',
    description: 'A macro uses itself, directly or through other macros. The message shows the chain (a long one by its ends). Macros that use one another are reported once, where the cycle closes in the first of them written, and again at each rule that uses them.',
  },
  VGL_EXPR_BAD_ARGS: {
    title: 'Bad helper arguments',
    description: 'A helper got too few or too many arguments, or a constant argument it cannot use (e.g. a CIDR that does not parse).',
  },
  VGL_EXPR_TEMPLATE: {
    title: 'Template syntax error',
    description: 'A `{{` in a template has no closing `}}`, or a hole is empty.',
  },
} as const satisfies Record<string, CodeInfo>;

export type ExprCode = keyof typeof EXPR_CODES;
