/**
 * Parsing with jexl's own lexer and parser, plus what jexl does not give:
 * the offset of every token, so that diagnostics point at a column.
 */
import { createRequire } from 'node:module';
import jexlModule from 'jexl';

/** jexl's AST (node shapes read from jexl 2.3.0's parser). */
export type Ast =
  | { type: 'Literal'; value: string | number | boolean }
  | { type: 'Identifier'; value: string; from?: Ast; relative?: boolean }
  | { type: 'UnaryExpression'; operator: string; right: Ast }
  | { type: 'BinaryExpression'; operator: string; left: Ast; right: Ast }
  | { type: 'ConditionalExpression'; test: Ast; consequent: Ast | null; alternate: Ast }
  | { type: 'ArrayLiteral'; value: Ast[] }
  | { type: 'ObjectLiteral'; value: Record<string, Ast> }
  | { type: 'FilterExpression'; relative: boolean; expr: Ast; subject: Ast }
  | { type: 'FunctionCall'; name: string; pool: 'functions' | 'transforms'; args: Ast[] };

export interface Token {
  readonly type: string;
  /** The element text (a negative number includes its minus sign). */
  readonly text: string;
  /** What jexl's parser quotes in errors: the text plus following whitespace. */
  readonly raw: string;
  readonly offset: number;
}

export interface SyntaxProblem { readonly offset: number; readonly length: number; readonly message: string }

interface GrammarElement { type: string }
interface JexlInternals {
  _grammar: { elements: Record<string, GrammarElement> };
}
interface LexerInstance { getElements(src: string): string[]; tokenize(src: string): unknown[] }
interface ParserInstance { addTokens(tokens: unknown[]): void; complete(): Ast | null }

const require = createRequire(import.meta.url);
const Lexer = require('jexl/dist/Lexer.js') as new (grammar: unknown) => LexerInstance;
const Parser = require('jexl/dist/parser/Parser.js') as new (grammar: unknown) => ParserInstance;
const jexl = new jexlModule.Jexl() as unknown as JexlInternals;
// One lexer for every parse: jexl's compile() makes a new one each time, which rebuilds its split regex (half the cost of a parse).
const lexer = new Lexer(jexl._grammar);

const numericRe = /^-?(?:(?:[0-9]*\.[0-9]+)|[0-9]+)$/;
const identRe = /^[a-zA-Zа-яА-Я_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF$][a-zA-Zа-яА-Я0-9_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF$]*$/;
const closers = new Set(['closeParen', 'closeBracket', 'closeCurl', 'comma', 'colon']);
const negatesAfter = new Set(['binaryOp', 'unaryOp', 'openParen', 'openBracket', 'question', 'colon']);

function tokenType(text: string): string {
  if (text[0] === '"' || text[0] === "'" || numericRe.test(text) || text === 'true' || text === 'false') return 'literal';
  const el = jexl._grammar.elements[text];
  if (el) return el.type;
  return identRe.test(text) ? 'identifier' : 'invalid';
}

/** Tokens with offsets, following jexl's lexer (whitespace folded into `raw`, a minus after an operator negates the next number). */
export function tokenize(source: string): Token[] {
  const elements = lexer.getElements(source);
  const tokens: { type: string; text: string; raw: string; offset: number }[] = [];
  let offset = 0;
  let negateAt = -1;
  for (const el of elements) {
    const at = offset;
    offset += el.length;
    if (/^\s*$/.test(el)) {
      if (tokens.length) tokens[tokens.length - 1].raw += el;
      continue;
    }
    if (el === '-' && negateAt < 0 && (!tokens.length || negatesAfter.has(tokens[tokens.length - 1].type))) {
      negateAt = at;
      continue;
    }
    const text = negateAt >= 0 ? '-' + el : el;
    tokens.push({ type: tokenType(text), text, raw: text, offset: negateAt >= 0 ? negateAt : at });
    negateAt = -1;
  }
  if (negateAt >= 0) tokens.push({ type: 'binaryOp', text: '-', raw: '-', offset: negateAt });
  return tokens;
}

/** The token whose cumulative `raw` text ends exactly at `prefixLength`, or -1. */
function tokenEndingAt(tokens: readonly Token[], prefixLength: number): number {
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    sum += tokens[i].raw.length;
    if (sum === prefixLength) return i;
    if (sum > prefixLength) return -1;
  }
  return -1;
}

function describeSyntaxError(source: string, tokens: readonly Token[], err: unknown): SyntaxProblem {
  const msg = err instanceof Error ? err.message : String(err);
  let m = /^Token (.*) \((\w+)\) unexpected in expression: ([\s\S]*)$/.exec(msg);
  if (m) {
    const i = tokenEndingAt(tokens, m[3].length);
    const tok = i >= 0 ? tokens[i] : null;
    const text = tok ? tok.text : m[1].trim();
    const prev = tok && i > 0 ? ` after \`${tokens[i - 1].text}\`` : '';
    return {
      offset: tok ? tok.offset : 0,
      length: text.length,
      message: `\`${text}\` is not expected here${prev}; check for a missing operand, operator or bracket`,
    };
  }
  m = /^Unexpected end of expression: ([\s\S]*)$/.exec(msg);
  if (m) {
    const i = tokenEndingAt(tokens, m[1].length);
    if (i >= 0 && (i < tokens.length - 1 || closers.has(tokens[i].type))) {
      const tok = tokens[i];
      return { offset: tok.offset, length: tok.text.length, message: `the expression before \`${tok.text}\` is incomplete; an operand is missing` };
    }
    const end = source.trimEnd().length;
    const last = tokens.length ? tokens[tokens.length - 1].text : '';
    return {
      offset: end,
      length: 1,
      message: last ? `the expression ends too early after \`${last}\`; an operand or a closing bracket is missing` : 'the expression is empty',
    };
  }
  m = /^Invalid expression token: ([\s\S]*)$/.exec(msg);
  if (m) {
    const bad = tokens.find((t) => t.type === 'invalid');
    const text = bad ? bad.text : m[1];
    return { offset: bad ? bad.offset : 0, length: text.length, message: `\`${text}\` is not part of the expression language; strings need quotes, and jexl has no such operator` };
  }
  return { offset: 0, length: Math.max(1, source.length), message: `the expression does not parse: ${msg}` };
}

/** jexl's lexer turns an unterminated string into odd tokens; name the real mistake instead. */
function unclosedString(tokens: readonly Token[]): SyntaxProblem | null {
  for (const t of tokens) {
    const q = t.text[0];
    if ((q === '"' || q === "'") && (t.text.length < 2 || t.text[t.text.length - 1] !== q)) {
      return { offset: t.offset, length: 1, message: `the string starting here is not closed; add the closing ${q}` };
    }
  }
  return null;
}

const OPENERS: Readonly<Record<string, string>> = { openParen: ')', openBracket: ']', openCurl: '}' };

/**
 * jexl accepts a bracket left open at the end ("(a && b") as if it were
 * closed. vigil refuses it: in a rule it is far more likely a typo.
 */
function unclosedBracket(tokens: readonly Token[]): SyntaxProblem | null {
  const open: Token[] = [];
  for (const t of tokens) {
    if (OPENERS[t.type]) open.push(t);
    else if (t.type === 'closeParen' || t.type === 'closeBracket' || t.type === 'closeCurl') open.pop();
  }
  const t = open[0];
  return t ? { offset: t.offset, length: 1, message: `\`${t.text}\` is never closed; add the matching \`${OPENERS[t.type]}\`` } : null;
}

/**
 * jexl gives `&&` and `||` the same precedence and groups them from the
 * left, so `a || b && c` means `(a || b) && c`, unlike most languages. In a
 * security rule that reading silently widens or narrows what matches, so
 * vigil refuses a mix without parentheses at one level and asks the writer
 * to say which grouping is meant. Every expression it accepts still
 * evaluates exactly as jexl does.
 */
function mixedLogic(tokens: readonly Token[]): SyntaxProblem | null {
  // One frame per bracket level: the first `&&` and `||` seen in the current
  // operand run (a `?`, `:` or `,` starts a new run at that level).
  const frames: Array<{ and: Token | null; or: Token | null }> = [{ and: null, or: null }];
  for (const t of tokens) {
    if (t.type === 'openParen' || t.type === 'openBracket' || t.type === 'openCurl') { frames.push({ and: null, or: null }); continue; }
    if (t.type === 'closeParen' || t.type === 'closeBracket' || t.type === 'closeCurl') { if (frames.length > 1) frames.pop(); continue; }
    const f = frames[frames.length - 1];
    if (t.type === 'question' || t.type === 'colon' || t.type === 'comma') { f.and = null; f.or = null; continue; }
    if (t.type !== 'binaryOp' || (t.text !== '&&' && t.text !== '||')) continue;
    if (t.text === '&&') f.and ??= t; else f.or ??= t;
    if (f.and && f.or) {
      const [first, second] = f.and.offset < f.or.offset ? [f.and, f.or] : [f.or, f.and];
      return {
        offset: second.offset, length: 2,
        message: `\`${first.text}\` and \`${second.text}\` are mixed without parentheses; jexl gives them equal precedence and reads left to right (\`a || b && c\` means \`(a || b) && c\`), so add parentheses to say which you mean`,
      };
    }
  }
  return null;
}

export type ParseResult = { ok: true; ast: Ast; tokens: Token[] } | { ok: false; problem: SyntaxProblem; tokens: Token[] };

export function parse(source: string): ParseResult {
  let tokens: Token[] = [];
  try {
    tokens = tokenize(source);
  } catch {
    tokens = [];
  }
  const quoteProblem = unclosedString(tokens);
  if (quoteProblem) return { ok: false, tokens, problem: quoteProblem };
  try {
    // What jexl's compile() does, with the shared lexer.
    const parser = new Parser(jexl._grammar);
    parser.addTokens(lexer.tokenize(source));
    const ast = parser.complete();
    if (!ast) return { ok: false, tokens, problem: { offset: 0, length: 1, message: 'the expression is empty' } };
    const bracketProblem = unclosedBracket(tokens);
    if (bracketProblem) return { ok: false, tokens, problem: bracketProblem };
    const logicProblem = mixedLogic(tokens);
    if (logicProblem) return { ok: false, tokens, problem: logicProblem };
    return { ok: true, ast, tokens };
  } catch (err) {
    return { ok: false, tokens, problem: describeSyntaxError(source, tokens, err) };
  }
}

const parsedOnce = new WeakMap<object, ParseResult>();

/**
 * `parse(def.source)`, once per definition object: every expression of a
 * ruleset shares its macro definitions, and a macro used by many rules (or
 * many macros) would otherwise be parsed again for each. Results are never
 * modified.
 */
export function parseOnce(def: { readonly source: string }): ParseResult {
  let r = parsedOnce.get(def);
  if (r === undefined) { r = parse(def.source); parsedOnce.set(def, r); }
  return r;
}

/**
 * Offset of the first occurrence of a dotted identifier chain (`src.ip`), a
 * call (`name(`) or a transform (`|name`) among the tokens; -1 when absent.
 */
export function findName(tokens: readonly Token[], path: readonly string[], kind: 'path' | 'call' | 'transform'): number {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== 'identifier' || t.text !== path[0]) continue;
    if (kind === 'transform' && (i === 0 || tokens[i - 1].type !== 'pipe')) continue;
    if (kind === 'call' && (tokens[i + 1]?.type !== 'openParen' || tokens[i - 1]?.type === 'pipe' || tokens[i - 1]?.type === 'dot')) continue;
    if (kind === 'path') {
      if (tokens[i - 1]?.type === 'dot' || tokens[i - 1]?.type === 'pipe') continue;
      let ok = true;
      for (let k = 1; k < path.length; k++) {
        if (tokens[i + 2 * k - 1]?.type !== 'dot' || tokens[i + 2 * k]?.text !== path[k]) { ok = false; break; }
      }
      if (!ok) continue;
    }
    return t.offset;
  }
  return -1;
}
