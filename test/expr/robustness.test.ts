/** Whatever text a rule holds, compiling answers with a function or diagnostics; whatever a scope holds, the function answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jexlModule from 'jexl';
import { compileExpr, compileTemplate } from '../../src/core/expr/compile.ts';
import { bindHelpers, HELPER_NAMES } from '../../src/core/expr/helpers/index.ts';
import { LOC, makeEnv, randomEvent, rng } from './support.ts';

const PIECES = [
  'src.ip', 'dst.port', 'tcp.flags.syn', 'data.items', 'count', 'hot_ports', 'bare_syn', '$thr', '$nope', 'nosuch',
  '&&', '||', '==', '!=', '<', '>=', '+', '-', '*', '/', '//', '%', '^', '!', 'in', '?', ':', '?:', '|', ',', '.',
  '(', ')', '[', ']', '{', '}', "'x'", '"y', '1', '-2', '3.5', 'true', 'false', 'cidr(', 'lower', 'subnet(', '#', '@', ' ', '\n', '{{', '}}',
];

test('the compiler never throws on 3000 random token soups, and whatever it accepts evaluates as jexl does', () => {
  const r = rng(99);
  const env = makeEnv();
  const events = Array.from({ length: 20 }, (_, i) => randomEvent(r, i));
  const oracle = new jexlModule.Jexl();
  const helpers = bindHelpers({ runtime: env.runtime, lists: env.lists });
  for (const name of HELPER_NAMES) { oracle.addFunction(name, helpers[name]); oracle.addTransform(name, helpers[name]); }
  const extra: Record<string, unknown> = { ...env.lists };
  for (const [k, v] of Object.entries(env.vars)) extra[`$${k}`] = v;
  let compiled = 0, refused = 0, compared = 0;
  for (let i = 0; i < 3000; i++) {
    const n = 1 + Math.floor(r() * 8);
    const src = Array.from({ length: n }, () => PIECES[Math.floor(r() * PIECES.length)]).join(r() < 0.5 ? ' ' : '');
    const res = compileExpr(src, LOC, env);
    if (res.ok) {
      compiled++;
      for (const ev of events) assert.doesNotThrow(() => res.value.fn(ev), src);
      // Macros are spelt out only on vigil's side; everything else must agree with jexl.
      if (!src.includes('bare_syn')) {
        const x = oracle.compile(src);
        for (const ev of events) {
          let want: unknown;
          try { want = x.evalSync({ ...ev, ...extra }); } catch { want = undefined; }
          assert.deepStrictEqual(res.value.fn(ev), want, `${src} on ${JSON.stringify(ev)}`);
          compared++;
        }
      }
    } else {
      refused++;
      for (const d of res.diagnostics) {
        assert.match(d.code, /^VGL_EXPR_/);
        assert.ok(d.loc.line >= LOC.line && d.loc.col >= 1, `${src}: ${JSON.stringify(d.loc)}`);
        assert.ok(d.message.length > 0 && d.excerpt?.includes('^'), src);
      }
    }
    const t = compileTemplate(`a {{ ${src} }} b`, LOC, env);
    if (t.ok) for (const ev of events) assert.equal(typeof t.value.render(ev), 'string');
  }
  // Both outcomes must actually occur, or the soup is not testing anything.
  assert.ok(compiled > 100 && refused > 100, `compiled ${compiled}, refused ${refused}`);
  assert.ok(compared > 1000, `only ${compared} comparisons with jexl`);
});

test('compiled functions answer on scopes of any shape', () => {
  const env = makeEnv();
  const exprs = ['src.ip == "1" && tcp.flags.syn', 'data.items[.p > 1].n', 'key[0] + count', 'cidr(src.ip, nets) || is_local(dst.ip)', 'len(data.ports) > 1 ?: hot_ports'];
  const scopes: object[] = [{}, { src: null }, { src: 5 }, { src: 'text' }, { tcp: { flags: null } }, { data: { items: [null, 1, 'x'] } }, { data: [] }, { key: 'abc' }, Object.create(null)];
  for (const e of exprs) {
    const c = compileExpr(e, LOC, env);
    assert.ok(c.ok, e);
    for (const s of scopes) assert.doesNotThrow(() => c.value.fn(s), `${e} on ${JSON.stringify(s)}`);
  }
});
