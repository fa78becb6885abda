import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, TEMPLATE_ROOTS } from '../../src/core/expr/compile.ts';
import type { CompileEnv } from '../../src/core/expr/api.ts';
import { LOC, makeEnv } from './support.ts';

function render(src: string, scope: object, env: CompileEnv = makeEnv()): string {
  const r = compileTemplate(src, LOC, env);
  if (!r.ok) assert.fail(r.diagnostics.map((d) => d.message).join('; '));
  assert.equal(r.value.source, src);
  return r.value.render(scope);
}

const hit = { src: { ip: '203.0.113.9', port: 40000 }, dst: { port: 22 }, rule: 'ssh-scan', count: 7, key: ['203.0.113.9'], data: { ports: [22, 23], first: { a: 1 } } };

describe('templates', () => {
  test('holes are replaced, with or without inner whitespace', () => {
    assert.equal(render('{{src.ip}} touched port {{ dst.port }} ({{  rule  }})', hit), '203.0.113.9 touched port 22 (ssh-scan)');
  });
  test('text without holes renders as itself', () => {
    assert.equal(render('plain text', {}), 'plain text');
    assert.equal(render('', {}), '');
  });
  test('missing values render as the empty string, numbers as JS prints them, objects and lists as JSON', () => {
    assert.equal(render('[{{ proc.exe }}]', hit), '[]');
    assert.equal(render('{{ count / 2 }} {{ count > 1 }}', hit), '3.5 true');
    assert.equal(render('{{ data.ports }} {{ data.first }} {{ key }}', hit), '[22,23] {"a":1} ["203.0.113.9"]');
  });
  test("a literal {{ is written {{ '{{' }}, and quotes or braces inside a hole do not end it", () => {
    assert.equal(render("use {{ '{{' }} literally", {}), 'use {{ literally');
    assert.equal(render("{{ '}}' }}|{{ {a: {b: 1}}.a.b }}", {}), '}}|1');
  });
  test('vars and helpers work in holes', () => {
    assert.equal(render('{{ $name }} blocked {{ src.ip|subnet(24) }} for {{ $thr * 60 }}s', hit), 'vigil blocked 203.0.113.0/24 for 900s');
  });
  test('template roots default to rule, key, count, first_ts, data when the env gives none', () => {
    const env = makeEnv({ extraRoots: undefined });
    assert.deepEqual([...TEMPLATE_ROOTS].sort(), ['count', 'data', 'first_ts', 'key', 'rule']);
    assert.equal(render('{{ rule }}#{{ count }}', hit, env), 'ssh-scan#7');
  });
  test('a hole that fails at run time renders as empty and does not break the rest', () => {
    assert.equal(render('a{{ data.none[0].x }}b{{ count }}', hit), 'ab7');
  });
  test('multi-line templates keep their newlines', () => {
    assert.equal(render('line1 {{ count }}\nline2 {{ rule }}', hit), 'line1 7\nline2 ssh-scan');
  });
});
