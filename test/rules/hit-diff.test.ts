/**
 * The rule-test diff on its own: expected hits against produced ones.
 * (test/rules/runner.test.ts shows it through whole cases.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffHits } from '../../src/core/rules/hit-diff.ts';
import type { Hit } from '../../src/core/hit.ts';
import type { ExpectedHit } from '../../src/core/rules/test-case.ts';

const hit = (rule: string, ts: number): Hit => ({ rule, ts, key: { 'src.ip': '10.77.0.9' }, src: '10.77.0.9', tags: [], severity: 'medium', message: rule, actions: [] });
const want = (rule: string, ts: number, more: Record<string, unknown> = {}): ExpectedHit => ({ rule, fields: { rule, ts, ...more } });
const at = (ms: number) => new Date(ms).toISOString();

test('matching lists give no diff', () => {
  assert.deepEqual(diffHits([want('a', 1), want('b', 2)], [hit('a', 1), hit('b', 2)]), []);
});

test('an extra hit in the middle is named once; the hits after it still pair with their expected ones', () => {
  const got = [hit('a', 1), hit('noise', 2), hit('b', 3), hit('c', 4)];
  assert.deepEqual(diffHits([want('a', 1), want('b', 3), want('c', 4, { message: 'other' })], got), [
    `unexpected hit 2: rule noise src 10.77.0.9 at ${at(2)} key {"src.ip":"10.77.0.9"}`,
    `expected hit 3, got hit 4 (rule c src 10.77.0.9 at ${at(4)} key {"src.ip":"10.77.0.9"}):`,
    '  message: expected "other", got "c"',
    'expected 3 hit(s), got 4: 0 missing, 1 unexpected, 1 with other values',
  ]);
});

test('an expected hit without ts pairs with the next hit of its rule', () => {
  assert.deepEqual(diffHits([{ rule: 'a', fields: { rule: 'a' } }, want('b', 9)], [hit('a', 5), hit('b', 9)]), []);
});

test('past 2000 × 2000 hits the lists are compared position by position, so the diff stays cheap', () => {
  const n = 2001;
  const got = Array.from({ length: n }, (_, i) => hit('a', i));
  const expected = [want('x', -1), ...Array.from({ length: n - 1 }, (_, i) => want('a', i))];
  const lines = diffHits(expected, got);
  assert.equal(lines[0], `hit 1 (rule a src 10.77.0.9 at ${at(0)} key {"src.ip":"10.77.0.9"}):`, 'the first pair is positional');
  assert.equal(lines.at(-1), `expected ${n} hit(s), got ${n}: 0 missing, 0 unexpected, ${n} with other values`);
});
