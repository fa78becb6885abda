import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locAt, excerptAt } from '../../src/core/expr/locate.ts';

test('locAt counts lines and keeps the block column; excerptAt underlines on the right line', () => {
  const loc = { file: 'f.yaml', line: 4, col: 9 };
  assert.deepEqual(locAt('abc', loc, 2), { file: 'f.yaml', line: 4, col: 11 });
  assert.deepEqual(locAt('a\nbc\ndef', loc, 6), { file: 'f.yaml', line: 6, col: 10 });
  assert.equal(excerptAt('a\nbc\ndef', 6, 2), 'def\n ^^');
  assert.equal(excerptAt('\tx y', 3, 1), '\tx y\n\t  ^');
});
