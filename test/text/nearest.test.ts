import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, nearest, suggestion, listNames } from '../../src/core/text/nearest.ts';

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('dts', 'dst'), 1);
  assert.equal(editDistance('syn', 'synn'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('nearest picks the closest plausible name, prefers a case-only difference, and refuses wild guesses', () => {
  assert.equal(nearest('src.ipp', ['dst.ip', 'src.ip', 'src.port']), 'src.ip');
  assert.equal(nearest('SRC.IP', ['src.port', 'src.ip']), 'src.ip');
  assert.equal(nearest('x', ['a', 'b']), undefined, 'a guess that keeps no character is no guess');
  assert.equal(nearest('completely', ['src.ip']), undefined);
  assert.equal(nearest('count', ['count']), undefined, 'the name itself is not a suggestion');
});

test('short names may be two edits away: a dropped pair of letters is still a typo', () => {
  assert.equal(nearest('hi', ['info', 'low', 'medium', 'high', 'critical']), 'high');
  assert.equal(nearest('cnt', ['window', 'count']), 'count');
});

test('long names may be a third of their length away, no more', () => {
  assert.equal(nearest('port_scan_treshhld', ['port_scan_threshold']), 'port_scan_threshold');
  assert.equal(nearest('port_thrsh', ['port_scan_threshold']), undefined);
});

test('among equally close candidates, the same first letter wins, then the one listed first', () => {
  assert.equal(nearest('cnt', ['on', 'count']), 'count');
  assert.equal(nearest('ab', ['ac', 'ad']), 'ac');
  assert.equal(nearest('ab', ['ad', 'ac']), 'ad');
});

test('suggestion phrases a guess, a caller\'s hint, or the valid names, in that order', () => {
  assert.equal(suggestion('windw', ['count', 'window']), '; did you mean `window`?');
  assert.equal(suggestion('thrsh', ['thresh'], { show: (v) => `$${v}` }), '; did you mean `$thresh`?');
  assert.equal(suggestion('settings', ['vars', 'rules'], { otherwise: 'see the reference' }), '; see the reference');
  assert.equal(suggestion('settings', ['vars', 'rules']), '; expected one of `rules`, `vars`');
  assert.equal(suggestion('settings', []), '');
});

test('listNames sorts and caps a long list', () => {
  const many = Array.from({ length: 15 }, (_, i) => `k${String(i).padStart(2, '0')}`);
  assert.equal(listNames(many, 3), '`k00`, `k01`, `k02`, …');
  assert.equal(listNames(['b', 'a']), '`a`, `b`');
});
