import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText, loadConfigFile, formatLocated } from '../../src/core/config/load.ts';
import { parseDuration } from '../../src/core/config/duration.ts';

const load = (text: string) => loadConfigText(text, 'site.yaml', '/etc/vigil');

test('an empty config gets every default and is frozen', () => {
  const { loaded, diagnostics } = load('');
  assert.deepEqual(diagnostics, []);
  const c = loaded!.config;
  assert.equal(c.data_dir, './data');
  assert.equal(c.rules.stock, true);
  assert.deepEqual(c.rules.dirs, []);
  assert.equal(c.host.refresh, '30s');
  assert.equal(c.hits.print, 'text');
  assert.equal(c.metrics.listen, null);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.rules) && Object.isFrozen(c.rules.dirs));
  assert.throws(() => { (c.rules.dirs as string[]).push('x'); });
});

test('the embedded default config is valid and names the procnet input', () => {
  const { loaded, diagnostics } = loadConfigFile(null);
  assert.deepEqual(diagnostics, []);
  assert.equal(loaded!.config.inputs[0].use, 'procnet');
  assert.equal(loaded!.source.file, '<embedded default>');
});

test('an unknown key is an error at its line naming the nearest valid key', () => {
  const { loaded, diagnostics } = load('data_dir: /var/lib/vigil\nhost:\n  allow: [10.0.0.0/8]\n  gatways: [192.0.2.1]\n');
  assert.equal(loaded, null);
  assert.equal(diagnostics.length, 1);
  const d = diagnostics[0];
  assert.equal(d.code, 'VGL_CONFIG_UNKNOWN_KEY');
  assert.deepEqual(d.loc, { file: 'site.yaml', line: 4, col: 3 });
  assert.match(d.message, /`host\.gatways`.*did you mean `gateways`/);
  assert.equal(formatLocated(d).split(' ')[0], 'site.yaml:4:3');
});

test('an unknown key that resembles nothing lists the valid keys of its map instead of guessing', () => {
  const { diagnostics } = load('metrics:\n  prometheus: true\n');
  assert.deepEqual(diagnostics.map((d) => [d.code, d.loc.line, d.message]), [
    ['VGL_CONFIG_UNKNOWN_KEY', 2, 'config key `metrics.prometheus` is not a valid key; expected one of `listen`'],
  ]);
});

test('every bad value is reported at once, each located and saying what is expected', () => {
  const text = [
    'host:',
    '  refresh: 30',
    '  allow: ["10.0.0.0/33"]',
    'log:',
    '  level: loud',
    'metrics:',
    '  listen: "0.0.0.0:9477"',
  ].join('\n');
  const { loaded, diagnostics } = load(text);
  assert.equal(loaded, null);
  const byLine = new Map(diagnostics.map((d) => [d.loc.line, d.message]));
  assert.deepEqual([...byLine.keys()].sort(), [2, 3, 5, 7]);
  assert.match(byLine.get(2)!, /`host\.refresh` must be a string, got 30/);
  assert.match(byLine.get(3)!, /`host\.allow\[0\]` must be an address or CIDR.*got "10\.0\.0\.0\/33"/);
  assert.match(byLine.get(5)!, /`log\.level` must be one of .*"info".*got "loud"/);
  assert.match(byLine.get(7)!, /`metrics\.listen` must be a loopback host:port/);
});

test('a duration without a unit is refused', () => {
  const { diagnostics } = load('host:\n  refresh: "30"\n');
  assert.match(diagnostics[0].message, /must be a duration string like "500ms"/);
  assert.equal(diagnostics[0].loc.line, 2);
});

test('YAML syntax errors are located', () => {
  const { loaded, diagnostics } = load('rules:\n  dirs: [a, b\nlog: {}\n');
  assert.equal(loaded, null);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].code, 'VGL_CONFIG_YAML');
  // The `[` opened on line 2 is still open where `log:` starts a new block key, at the start of line 3: that is where YAML knows.
  assert.deepEqual(diagnostics[0].loc, { file: 'site.yaml', line: 3, col: 1 });
  assert.match(diagnostics[0].message, /^config is not valid YAML: .*; fix the syntax at this spot$/);
});

test('an unreadable config file names the file', () => {
  const { diagnostics } = loadConfigFile('/nonexistent/vigil.yaml');
  assert.equal(diagnostics[0].code, 'VGL_CONFIG_UNREADABLE');
  assert.match(formatLocated(diagnostics[0]), /^\/nonexistent\/vigil\.yaml config file cannot be read \(ENOENT\)/);
});

test('durations carry their unit', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('30'), null);
  assert.equal(parseDuration('3 weeks'), null);
});
