import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { compileTemplate, TEMPLATE_ROOTS } from '../../src/core/expr/compile.ts';
import type { CompileEnv } from '../../src/core/expr/api.ts';
import { LOC, makeEnv } from './support.ts';
import { MAX_RENDERED_CHARS } from '../../src/core/expr/template.ts';

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
  test('a rendering longer than MAX_RENDERED_CHARS is cut, says how much was left out, and keeps surrogate pairs whole', () => {
    const big = { proc: { cmdline: 'x'.repeat(1_000_000) } };
    const out = render('cmd: {{ proc.cmdline }} (end)', big);
    assert.equal(out.length <= MAX_RENDERED_CHARS, true, `length ${out.length}`);
    const m = /… \[(\d+) more characters\]$/.exec(out);
    assert.ok(m, out.slice(-60));
    assert.equal(out.length - m[0].length + Number(m[1]), 'cmd: '.length + 1_000_000 + ' (end)'.length, 'kept + left out = whole');
    assert.ok(out.startsWith('cmd: xxx'));
    // Wherever the cut falls, no half of a pair is left at its end.
    for (let pad = 0; pad < 4; pad++) {
      const cut = render('{{ proc.cmdline }}', { proc: { cmdline: 'a'.repeat(pad) + '😀'.repeat(MAX_RENDERED_CHARS) } });
      const body = cut.slice(0, cut.indexOf('… ['));
      assert.equal(/[\uD800-\uDBFF]$/.test(body), false, `pad ${pad}: a lone high surrogate at the cut`);
      assert.equal(cut.length <= MAX_RENDERED_CHARS, true);
    }
  });
  test('a rendering of exactly MAX_RENDERED_CHARS is left whole', () => {
    const text = 'y'.repeat(MAX_RENDERED_CHARS);
    assert.equal(render('{{ proc.cmdline }}', { proc: { cmdline: text } }), text);
  });
  test('the rule language reference states the cap as the code defines it', () => {
    const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(`longer than ${MAX_RENDERED_CHARS.toLocaleString('en-US')} characters`), 'docs/rules.md, Templates: the cap');
  });
});
