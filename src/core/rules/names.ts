/**
 * Name rules shared by the loader: the shapes of ids and names, and the
 * identifiers a list or macro may not take because conditions already give
 * them a meaning.
 */
import { FIELDS } from '../fields.ts';
import { HELPER_NAMES, TEMPLATE_ROOTS } from '../expr/compile.ts';

export const RULE_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const SNAKE_NAME = /^[a-z][a-z0-9_]*$/;
/** A dotted field path as written in a list-form `key`. */
export const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;

/** First segments of field names: `src`, `tcp`, `ts`, … */
export const FIELD_ROOTS: ReadonlySet<string> = new Set(FIELDS.map((f) => f.name.split('.')[0]));

export { TEMPLATE_ROOTS };
const JEXL_WORDS = ['true', 'false', 'null', 'in', 'undefined'];

/** Why `name` cannot be a list or macro name, or null when it can. */
export function reservedReason(name: string): string | null {
  if (FIELD_ROOTS.has(name)) return `it is the root of event fields (\`${name}.…\`)`;
  if (HELPER_NAMES.includes(name)) return 'it is a condition helper';
  if (TEMPLATE_ROOTS.includes(name)) return 'templates use it for hit data';
  if (JEXL_WORDS.includes(name)) return 'it is a jexl word';
  return null;
}

/**
 * The error for a name the author gives to a key part, a `collect` entry or a
 * group (`where` says which), or null when the name is fine. Such names become
 * property names of the hit (`key`, `data`, `data.counts`), and assigning
 * `__proto__` to an object sets its prototype instead: the value would
 * silently vanish from the hit.
 */
export function hitNameProblem(name: string, where: string): string | null {
  if (name !== '__proto__') return null;
  return `\`${name}\` cannot name ${where}: the name becomes a property of the hit, and a JavaScript object does not keep \`__proto__\` as one, so the value would vanish; rename it, e.g. \`proto\``;
}
