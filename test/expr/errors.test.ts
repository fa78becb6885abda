/**
 * Every diagnostic the compiler emits: its code, its exact file:line:col
 * (the offending token inside the expression), the suggestion, and the
 * excerpt with a caret.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpr, compileTemplate, EXPR_CODES } from '../../src/core/expr/compile.ts';
import type { Diagnostic } from '../../src/core/rules/types.ts';
import type { CompileEnv } from '../../src/core/expr/api.ts';
import { LOC, makeEnv } from './support.ts';

// LOC is rules/site.yaml:12:11, so offset k on the first line is column 11 + k.
function only(src: string, env: CompileEnv = makeEnv()): Diagnostic {
  const r = compileExpr(src, LOC, env);
  assert.equal(r.ok, false, `${src} should not compile`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.diagnostics.length, 1, r.diagnostics.map((d) => d.message).join('; '));
  return r.diagnostics[0];
}

const at = (d: Diagnostic) => `${d.loc.file}:${d.loc.line}:${d.loc.col}`;

describe('VGL_EXPR_SYNTAX', () => {
  test('points at the unexpected token, computing the column jexl does not give', () => {
    const d = only('tcp.flags.syn && && dst.port');
    assert.equal(d.code, 'VGL_EXPR_SYNTAX');
    assert.equal(at(d), 'rules/site.yaml:12:28');
    assert.equal(d.message, '`&&` is not expected here after `&&`; check for a missing operand, operator or bracket');
    assert.equal(d.excerpt, 'tcp.flags.syn && && dst.port\n                 ^^');
  });
  test('an expression that stops early points just past its end', () => {
    const d = only('src.port == 1 &&  ');
    assert.equal(at(d), 'rules/site.yaml:12:27');
    assert.match(d.message, /ends too early after `&&`/);
  });
  test('an unknown character, an unclosed string and an unclosed bracket are named', () => {
    assert.equal(at(only('dst.port # 22')), 'rules/site.yaml:12:20');
    const s = only('proto == "tcp');
    assert.equal(at(s), 'rules/site.yaml:12:20');
    assert.equal(s.message, 'the string starting here is not closed; add the closing "');
    const b = only('(dst.port > 1 && src.port < 2');
    assert.equal(at(b), 'rules/site.yaml:12:11');
    assert.equal(b.message, '`(` is never closed; add the matching `)`');
  });
  test('holes jexl leaves in its tree are caught: a conditional without its last value, empty brackets', () => {
    const c = only('dst.port > 1 ? src.ip :');
    assert.equal(at(c), 'rules/site.yaml:12:33');
    assert.equal(c.message, 'the conditional has no value after `:`; write `test ? a : b`');
    const b = only('data.ports[] == 1');
    assert.equal(at(b), 'rules/site.yaml:12:21');
    assert.equal(b.message, 'the brackets `[]` are empty; put an index or a filter inside, e.g. `[0]` or `[.port > 1024]`');
  });
  test('a member name with a leading dot outside a filter', () => {
    const d = only('count > 1 && .thr');
    assert.equal(at(d), 'rules/site.yaml:12:24');
    assert.equal(d.message, '`.thr` names a member of a filtered element, so it belongs inside a filter like `list[.thr > 1]`; remove the leading dot');
  });
  test('&& and || mixed at one level without parentheses are refused, pointing at the second operator; brackets, ternary arms and arguments are levels of their own', () => {
    const d = only('src.port == 1 || dst.port == 2 && proto == "tcp"');
    assert.equal(at(d), 'rules/site.yaml:12:42');
    assert.equal(d.message, '`||` and `&&` are mixed without parentheses; jexl gives them equal precedence and reads left to right (`a || b && c` means `(a || b) && c`), so add parentheses to say which you mean');
    for (const ok of [
      '(src.port == 1 || dst.port == 2) && proto == "tcp"',
      'src.port == 1 || (dst.port == 2 && proto == "tcp")',
      'src.port == 1 && dst.port == 2 ? ip.ttl > 1 || ip.df : ip.mf',
    ]) assert.equal(compileExpr(ok, LOC, makeEnv()).ok, true, ok);
  });
  test('an empty expression is an error', () => {
    assert.equal(only('   ').message, 'the expression is empty');
  });
  test('in a multi-line block, the line is counted and the column is taken from the block indentation', () => {
    const d = only('tcp.flags.syn\n&& dst.port >');
    assert.equal(at(d), 'rules/site.yaml:13:24');
    assert.equal(d.excerpt, '&& dst.port >\n             ^');
  });
});

describe('VGL_EXPR_UNKNOWN_FIELD', () => {
  test('a misspelt field names the nearest field', () => {
    const d = only('dst.port > 1 && tcp.flags.synn');
    assert.equal(d.code, 'VGL_EXPR_UNKNOWN_FIELD');
    assert.equal(at(d), 'rules/site.yaml:12:27');
    assert.equal(d.message, '`tcp.flags.synn` is not a field; did you mean `tcp.flags.syn`?');
    assert.equal(d.excerpt, 'dst.port > 1 && tcp.flags.synn\n                ^^^^^^^^^^^^^^');
  });
  test('a misspelt root is compared with whole paths, so transpositions are caught', () => {
    const d = only('dts.port == 22');
    assert.equal(d.message, '`dts` is not a field, macro, list or template value; did you mean `dst.port`?');
  });
  test('template values (extra roots) and lists are candidates too', () => {
    assert.match(only('coutn > 3').message, /did you mean `count`\?$/);
    assert.match(only('dst.port in hot_portz').message, /did you mean `hot_ports`\?$/);
  });
  test('a name nothing resembles gets no guess', () => {
    assert.equal(only('sport == 1').message, '`sport` is not a field, macro, list or template value');
  });
  test('on the second line of a block', () => {
    const d = only('tcp.flags.syn\n&& dst.portt > 1');
    assert.equal(at(d), 'rules/site.yaml:13:14');
    assert.equal(d.excerpt, '&& dst.portt > 1\n   ^^^^^^^^^');
  });
});

describe('VGL_EXPR_UNKNOWN_HELPER', () => {
  test('a misspelt helper function', () => {
    const d = only('!is_locl(src.ip)');
    assert.equal(d.code, 'VGL_EXPR_UNKNOWN_HELPER');
    assert.equal(at(d), 'rules/site.yaml:12:12');
    assert.equal(d.message, '`is_locl` is not a helper function; did you mean `is_local`?');
  });
  test('a misspelt transform', () => {
    const d = only('proto|uper == "TCP"');
    assert.equal(at(d), 'rules/site.yaml:12:17');
    assert.equal(d.message, '`uper` is not a transform; did you mean `upper`?');
  });
});

describe('VGL_EXPR_UNKNOWN_VAR', () => {
  test('names the nearest defined var', () => {
    const d = only('dst.port > $thrr');
    assert.equal(d.code, 'VGL_EXPR_UNKNOWN_VAR');
    assert.equal(at(d), 'rules/site.yaml:12:22');
    assert.equal(d.message, '`$thrr` is not a defined var; did you mean `$thr`?');
  });
  test('says where vars are defined when nothing is close', () => {
    assert.equal(only('$zzzzzz').message, '`$zzzzzz` is not a defined var; define it under `vars:` in a rule file');
  });
});

describe('VGL_EXPR_UNKNOWN_LIST', () => {
  test('in_list() and cidr() with a list name that does not exist', () => {
    const d = only('in_list(dst.port, "hot_port")');
    assert.equal(d.code, 'VGL_EXPR_UNKNOWN_LIST');
    assert.equal(at(d), 'rules/site.yaml:12:11');
    assert.equal(d.message, 'in_list() names the list "hot_port", which is not defined; did you mean `hot_ports`?');
    assert.equal(only('cidr(src.ip, "net")').message, 'cidr() names the list "net", which is not defined; did you mean `nets`?');
  });
});

describe('VGL_EXPR_MACRO_CYCLE', () => {
  test('is reported inside the macro that closes the cycle, at its own location, with the chain', () => {
    const env = makeEnv({
      macros: {
        a: { source: 'b && src.port > 0', loc: { file: 'rules/m.yaml', line: 3, col: 6 } },
        b: { source: 'dst.port > 1 ||\n  a', loc: { file: 'rules/m.yaml', line: 4, col: 6 } },
      },
    });
    const d = only('a', env);
    assert.equal(d.code, 'VGL_EXPR_MACRO_CYCLE');
    assert.equal(at(d), 'rules/m.yaml:5:8');
    assert.equal(d.message, 'in macro `b`: macro `a` uses itself (a → b → a); break the cycle');
  });
  test('errors inside a macro body point into the macro, not the rule', () => {
    const env = makeEnv({ macros: { m: { source: 'src.ipp == 1', loc: { file: 'rules/m.yaml', line: 9, col: 4 } } } });
    const d = only('m && dst.port > 1', env);
    assert.equal(at(d), 'rules/m.yaml:9:4');
    assert.equal(d.message, 'in macro `m`: `src.ipp` is not a field; did you mean `src.ip`?');
  });
});

describe('VGL_EXPR_BAD_ARGS', () => {
  test('wrong argument counts give the signature', () => {
    const d = only('cidr(src.ip)');
    assert.equal(d.code, 'VGL_EXPR_BAD_ARGS');
    assert.equal(d.message, 'cidr() takes 2 arguments, got 1; the signature is cidr(ip, cidr_or_list)');
    assert.equal(only('src.ip|subnet').message, 'subnet() takes 2 arguments, got 1 (the value before `|` counts as the first); the signature is subnet(ip, prefix_len)');
  });
  test('a constant CIDR that does not parse', () => {
    const d = only('cidr(src.ip, "10.0.0.0/33")');
    assert.equal(at(d), 'rules/site.yaml:12:11');
    assert.equal(d.message, 'the second argument of cidr() must be a CIDR like "10.0.0.0/8" or a list name, got "10.0.0.0/33"');
  });
  test('a list with an entry that is not a CIDR', () => {
    const env = makeEnv({ lists: { nets: ['10.0.0.0/8', '10.0.0.0/x'] } });
    assert.equal(only('cidr(src.ip, nets)', env).message, 'cidr() got entries that are not CIDRs: "10.0.0.0/x"; write them like "192.0.2.0/24" or "2001:db8::/32"');
  });
});

describe('VGL_EXPR_TEMPLATE and template holes', () => {
  const tpl = (src: string) => {
    const r = compileTemplate(src, LOC, makeEnv());
    assert.equal(r.ok, false);
    if (r.ok) throw new Error('unreachable');
    return r.diagnostics;
  };
  test('an unclosed hole', () => {
    const [d] = tpl('blocked {{ src.ip');
    assert.equal(d.code, 'VGL_EXPR_TEMPLATE');
    assert.equal(at(d), 'rules/site.yaml:12:19');
    assert.equal(d.message, "`{{` has no closing `}}`; close the hole, or write a literal `{{` as {{ '{{' }}");
  });
  test('an empty hole', () => {
    assert.equal(tpl('x {{ }}')[0].message, 'the hole `{{}}` is empty; put an expression inside, e.g. {{ src.ip }}');
  });
  test('an error inside a hole points into the template line', () => {
    const [d] = tpl('{{src.ip}} hit {{ dst.prot }}');
    assert.equal(d.code, 'VGL_EXPR_UNKNOWN_FIELD');
    assert.equal(at(d), 'rules/site.yaml:12:29');
    assert.equal(d.excerpt, '{{src.ip}} hit {{ dst.prot }}\n                  ^^^^^^^^');
  });
});

test('one pass reports every problem, each once', () => {
  const r = compileExpr('src.ipp || dst.portt || nope(1) || src.ipp', LOC, makeEnv());
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.diagnostics.map((d) => [d.code, at(d)]), [
    ['VGL_EXPR_UNKNOWN_FIELD', 'rules/site.yaml:12:11'],
    ['VGL_EXPR_UNKNOWN_FIELD', 'rules/site.yaml:12:22'],
    ['VGL_EXPR_UNKNOWN_HELPER', 'rules/site.yaml:12:35'],
  ]);
});

test('every code the compiler can emit is in the code table, and every table code is emitted by some input', () => {
  assert.deepEqual(Object.keys(EXPR_CODES).sort(), [
    'VGL_EXPR_BAD_ARGS', 'VGL_EXPR_MACRO_CYCLE', 'VGL_EXPR_SYNTAX', 'VGL_EXPR_TEMPLATE',
    'VGL_EXPR_UNKNOWN_FIELD', 'VGL_EXPR_UNKNOWN_HELPER', 'VGL_EXPR_UNKNOWN_LIST', 'VGL_EXPR_UNKNOWN_VAR',
  ]);
  for (const spec of Object.values(EXPR_CODES)) assert.ok(spec.title && spec.description);
  // One input per code, each of which must produce exactly that code: a table code nothing emits fails here.
  const codesOf = (r: ReturnType<typeof compileExpr> | ReturnType<typeof compileTemplate>): string[] => (r.ok ? [] : r.diagnostics.map((d) => d.code));
  const cycle = makeEnv({ macros: { a: { source: 'b', loc: LOC }, b: { source: 'a', loc: LOC } } });
  const producers: Record<string, () => string[]> = {
    VGL_EXPR_BAD_ARGS: () => codesOf(compileExpr('cidr(src.ip)', LOC, makeEnv())),
    VGL_EXPR_MACRO_CYCLE: () => codesOf(compileExpr('a', LOC, cycle)),
    VGL_EXPR_SYNTAX: () => codesOf(compileExpr('tcp.flags.syn && && dst.port', LOC, makeEnv())),
    VGL_EXPR_TEMPLATE: () => codesOf(compileTemplate('blocked {{ src.ip', LOC, makeEnv())),
    VGL_EXPR_UNKNOWN_FIELD: () => codesOf(compileExpr('dts.port == 22', LOC, makeEnv())),
    VGL_EXPR_UNKNOWN_HELPER: () => codesOf(compileExpr('!is_locl(src.ip)', LOC, makeEnv())),
    VGL_EXPR_UNKNOWN_LIST: () => codesOf(compileExpr('in_list(dst.port, "hot_port")', LOC, makeEnv())),
    VGL_EXPR_UNKNOWN_VAR: () => codesOf(compileExpr('$zzzzzz', LOC, makeEnv())),
  };
  assert.deepEqual(Object.keys(producers).sort(), Object.keys(EXPR_CODES).sort());
  for (const [code, produce] of Object.entries(producers)) assert.deepEqual(produce(), [code], code);
});

describe('positions through the raw YAML text (the optional `raw` argument)', () => {
  const first = (r: ReturnType<typeof compileExpr>): Diagnostic => {
    assert.equal(r.ok, false);
    if (r.ok) throw new Error('unreachable');
    return r.diagnostics[0];
  };
  test('a folded block (>-): the value is one line, the error is on the file line that holds the token', () => {
    // when: >-
    //   proto == "tcp" && !tcp.flags.ack        <- line 12, text from column 7
    //   && src.ipp != "0.0.0.0"
    const raw = 'proto == "tcp" && !tcp.flags.ack\n      && src.ipp != "0.0.0.0"';
    const value = 'proto == "tcp" && !tcp.flags.ack && src.ipp != "0.0.0.0"';
    const d = first(compileExpr(value, { file: 'rules/p.yaml', line: 12, col: 7 }, makeEnv(), raw));
    assert.equal(at(d), 'rules/p.yaml:13:10');
    assert.equal(d.excerpt, '      && src.ipp != "0.0.0.0"\n         ^^^^^^^');
  });
  test('a double-quoted scalar with escaped quotes', () => {
    const raw = 'proto == \\"tcp\\" && src.ipp"';
    const d = first(compileExpr('proto == "tcp" && src.ipp', { file: 'f.yaml', line: 3, col: 12 }, makeEnv(), raw));
    assert.equal(at(d), 'f.yaml:3:32');
  });
  test('a folded template: the hole is found on its own line', () => {
    const raw = '{{ src.ip }} probed\n  {{ dst.prot }}';
    const r = compileTemplate('{{ src.ip }} probed {{ dst.prot }}', { file: 'f.yaml', line: 7, col: 5 }, makeEnv(), raw);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(at(r.diagnostics[0]), 'f.yaml:8:6');
    assert.equal(r.diagnostics[0].excerpt, '  {{ dst.prot }}\n     ^^^^^^^^');
  });
  test('a macro carries its own raw text', () => {
    const env = makeEnv({ macros: { m: { source: 'dst.port > 1 && src.ipp', loc: { file: 'm.yaml', line: 2, col: 5 }, raw: 'dst.port > 1\n    && src.ipp' } } });
    assert.equal(at(first(compileExpr('m', LOC, env))), 'm.yaml:3:8');
  });
});
