import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, nearest } from '../../src/core/expr/suggest.ts';
import { locAt, excerptAt } from '../../src/core/expr/locate.ts';

test('edit distance counts a swap of neighbours as one edit (Damerau)', () => {
  assert.equal(editDistance('dts', 'dst'), 1);
  assert.equal(editDistance('syn', 'synn'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('nearest picks the closest plausible name, prefers a case-only difference, and refuses wild guesses', () => {
  assert.equal(nearest('src.ipp', ['dst.ip', 'src.ip', 'src.port']), 'src.ip');
  assert.equal(nearest('SRC.IP', ['src.port', 'src.ip']), 'src.ip');
  assert.equal(nearest('x', ['a', 'b']), null);
  assert.equal(nearest('completely', ['src.ip']), null);
  assert.equal(nearest('count', ['count']), null);
});

test('locAt counts lines and keeps the block column; excerptAt underlines on the right line', () => {
  const loc = { file: 'f.yaml', line: 4, col: 9 };
  assert.deepEqual(locAt('abc', loc, 2), { file: 'f.yaml', line: 4, col: 11 });
  assert.deepEqual(locAt('a\nbc\ndef', loc, 6), { file: 'f.yaml', line: 6, col: 10 });
  assert.equal(excerptAt('a\nbc\ndef', 6, 2), 'def\n ^^');
  assert.equal(excerptAt('\tx y', 3, 1), '\tx y\n\t  ^');
});
