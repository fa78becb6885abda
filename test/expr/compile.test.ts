import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpr, HELPER_NAMES } from '../../src/core/expr/compile.ts';
import type { CompiledExpr } from '../../src/core/rules/types.ts';
import type { CompileEnv, HelperRuntime } from '../../src/core/expr/api.ts';
import { emptyHostFacts, type HostFacts } from '../../src/core/host.ts';
import { LOC, makeEnv } from './support.ts';

function compile(src: string, env: CompileEnv = makeEnv()): CompiledExpr {
  const r = compileExpr(src, LOC, env);
  if (!r.ok) assert.fail(`${src}: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return r.value;
}

const synTo = (port: number, ip = '203.0.113.9') => ({
  ts: 1, kind: 'packet', input: 't', proto: 'tcp', src: { ip, port: 40000 }, dst: { ip: '10.77.0.2', port },
  tcp: { flags: { syn: true, ack: false, str: 'S', byte: 2 } },
});

describe('compileExpr: names', () => {
  test('macros expand in place, recursively, and their fields are reported', () => {
    const e = compile('hot_syn && !is_local(src.ip)');
    assert.equal(e.fn(synTo(23)), true);
    assert.equal(e.fn(synTo(22)), false);
    assert.equal(e.fn(synTo(23, '10.77.0.2')), false);
    assert.deepEqual([...e.fields].sort(), ['dst.port', 'src.ip', 'tcp.flags.ack', 'tcp.flags.syn']);
  });

  test('$vars are folded as constants', () => {
    const env = makeEnv();
    const e = compile('dst.port > $thr', env);
    assert.equal(e.fn(synTo(16)), true);
    assert.equal(e.fn(synTo(15)), false);
  });

  test('a list is a Set under `in` and the array elsewhere', () => {
    assert.equal(compile('dst.port in hot_ports').fn(synTo(3389)), true);
    assert.equal(compile('dst.port in hot_ports').fn(synTo(3390)), false);
    assert.deepEqual(compile('hot_ports').fn({}), [23, 2323, 3389]);
    assert.equal(compile('len(hot_ports)').fn({}), 3);
  });

  test('a macro shadows a list and a list shadows a field root of the same name', () => {
    const env = makeEnv({
      macros: { proto: { source: '"from macro"', loc: LOC } },
      lists: { src: ['from list'] },
    });
    assert.equal(compile('proto', env).fn({ proto: 'tcp' }), 'from macro');
    assert.deepEqual(compile('src', env).fn({ src: { ip: '1.2.3.4' } }), ['from list']);
  });

  test('extra roots (template values) are read from the scope, with jexl path semantics', () => {
    const e = compile('data.items.n + ":" + count');
    assert.equal(e.fn({ data: { items: [{ n: 'first' }, { n: 'second' }] }, count: 4 }), 'first:4');
    assert.deepEqual(e.fields, []);
  });

  test('null and undefined read as undefined, as jexl reads them from an event', () => {
    assert.equal(compile('src.port == null').fn({}), true);
    assert.equal(compile('src.port == undefined').fn({ src: { port: 1 } }), false);
  });

  test('absent sub-objects read as undefined instead of throwing', () => {
    const e = compile('tcp.flags.syn && icmp.orig.dst.port > 0');
    assert.equal(e.fn({ kind: 'packet' }), undefined);
    assert.equal(compile('!tcp.flags.syn').fn({ tcp: null }), true);
  });

  test('a runtime error inside the expression yields undefined (the contract), never a throw', () => {
    // jexl indexes an empty list's element 0 and fails; the compiled function answers undefined.
    const e = compile('data.items.n');
    assert.equal(e.fn({ data: { items: [] } }), undefined);
    assert.equal(compile('data.items[0].x').fn({ data: { items: null } }), undefined);
  });

  test('every helper is also a transform taking the piped value first', () => {
    assert.equal(compile('src.ip|subnet(24)').fn(synTo(1)), '203.0.113.0/24');
    assert.equal(compile('proto|upper').fn({ proto: 'udp' }), 'UDP');
    assert.ok(HELPER_NAMES.includes('cidr') && HELPER_NAMES.includes('scanlogd_line'));
  });
});

describe('compileExpr: helpers see live host facts', () => {
  test('is_local, is_gateway, is_listening, is_allowed read runtime.host at call time', () => {
    let host: HostFacts = emptyHostFacts();
    const runtime: HelperRuntime = { get host() { return host; }, hasContext: () => false };
    const env = makeEnv({ runtime });
    const local = compile('is_local(dst.ip)', env);
    const gw = compile('is_gateway(src.ip)', env);
    const listen = compile('is_listening(dst.port)', env);
    const allowed = compile('is_allowed(src.ip)', env);
    const ev = synTo(22, '192.0.2.1');
    assert.deepEqual([local.fn(ev), gw.fn(ev), listen.fn(ev), allowed.fn(ev)], [false, false, false, false]);
    host = emptyHostFacts({
      addresses: new Set(['10.77.0.2']), gateways: new Set(['192.0.2.1']),
      listening: { tcp: new Set([22]), udp: new Set() }, allow: ['192.0.2.0/24'],
    });
    assert.deepEqual([local.fn(ev), gw.fn(ev), listen.fn(ev), allowed.fn(ev)], [true, true, true, true]);
  });

  test('context() asks the runtime with the key parts', () => {
    const asked: unknown[][] = [];
    const env = makeEnv({ runtime: { host: emptyHostFacts(), hasContext: (name, key) => { asked.push([name, ...key]); return key[0] === '203.0.113.9'; } } });
    const e = compile('context("scanner", src.ip, dst.port)', env);
    assert.equal(e.fn(synTo(22)), true);
    assert.equal(e.fn(synTo(22, '198.51.100.1')), false);
    assert.deepEqual(asked, [['scanner', '203.0.113.9', 22], ['scanner', '198.51.100.1', 22]]);
  });

  test('a constant CIDR or list-name argument is compiled once; a dynamic one still works', () => {
    assert.equal(compile('cidr(src.ip, "203.0.113.0/24")').fn(synTo(1)), true);
    assert.equal(compile('cidr(src.ip, "nets")').fn(synTo(1, '192.0.2.9')), true);
    assert.equal(compile('cidr(src.ip, nets)').fn(synTo(1, '10.77.200.1')), true);
    assert.equal(compile('cidr(src.ip, prefix)').fn({ ...synTo(1), prefix: '203.0.0.0/8' }), true);
    assert.equal(compile('cidr(src.ip, prefix)').fn({ ...synTo(1), prefix: 'nets' }), false);
    assert.equal(compile('cidr(src.ip, prefix)').fn({ ...synTo(1), prefix: 'garbage' }), false);
  });
});

describe('compileExpr: output', () => {
  test('compiles to a plain function, not an interpreter', () => {
    const e = compile('tcp.flags.syn && dst.port in [22, 23]');
    assert.match(e.fn.toString(), /s\.tcp\?\.flags\?\.syn/);
    assert.equal(e.source, 'tcp.flags.syn && dst.port in [22, 23]');
    assert.deepEqual(e.loc, LOC);
  });
});
