import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/core/config/load.ts';
import { PluginCatalog } from '../../src/core/plugins/catalog.ts';
import { instantiate, requestFromRef, currentRunEnv } from '../../src/core/plugins/instantiate.ts';
import { STOCK_PLUGINS } from '../../src/plugins/registry.ts';
import { testServices } from '../plugins/harness.ts';

function catalog(): PluginCatalog {
  const c = new PluginCatalog();
  for (const p of STOCK_PLUGINS) c.add(p, 'stock');
  return c;
}

test("a plugin's own config keys are validated with its schema and located in the config file", () => {
  const text = [
    'inputs:',
    '  - use: procnet',
    '    intervall: 2s',
    '  - use: procnet',
    '    name: second',
    '    interval: 2',
    '    tables: [tcp, sctp]',
  ].join('\n');
  const { loaded, diagnostics } = loadConfigText(text, 'vigil.yaml', '/etc/vigil');
  assert.deepEqual(diagnostics, []);
  const reqs = loaded!.config.inputs.map((r, i) => requestFromRef(r, ['inputs', i]));
  const { instances, diagnostics: ds } = instantiate('input', reqs, { catalog: catalog(), services: testServices(), run: currentRunEnv(), source: loaded!.source });
  assert.deepEqual(instances, []);
  assert.deepEqual(ds.map((d) => [d.code, `${d.loc.line}:${d.loc.col}`, d.message]), [
    ['VGL_CONFIG_UNKNOWN_KEY', '3:5', 'input "procnet" (plugin procnet) key `inputs[0].intervall` is not a valid key; did you mean `interval`?'],
    ['VGL_CONFIG_INVALID', '6:15', 'input "second" (plugin procnet) key `inputs[1].interval` must be a string, got 2'],
    ['VGL_CONFIG_INVALID', '7:19', 'input "second" (plugin procnet) key `inputs[1].tables[1]` must be one of "tcp", "tcp6", "udp", "udp6", got "sctp"'],
  ]);
});

test('an unknown plugin name and a duplicate instance name are located errors', () => {
  const text = 'inputs:\n  - use: procnet\n  - use: procnet\n  - use: pcap-file\n    path: x.pcap\n';
  const { loaded } = loadConfigText(text, 'vigil.yaml', '/etc/vigil');
  const reqs = loaded!.config.inputs.map((r, i) => requestFromRef(r, ['inputs', i]));
  const { instances, diagnostics } = instantiate('input', reqs, { catalog: catalog(), services: testServices(), run: currentRunEnv(), source: loaded!.source });
  assert.deepEqual(instances.map((i) => i.name), ['procnet']);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.loc.line, d.message]), [
    ['VGL_PLUGIN_DUPLICATE_NAME', 3, 'input instance name "procnet" is used twice; give each instance its own `name`'],
    ['VGL_PLUGIN_UNKNOWN', 4, 'input plugin `pcap-file` is not known; did you mean `pcapfile`?'],
  ]);
});

test('a plugin that cannot run here says why, and is not created', () => {
  const { instances, diagnostics } = instantiate('input', [{ use: 'procnet', config: {}, at: null }], {
    catalog: catalog(), services: testServices(), run: { isRoot: false, platform: 'darwin' }, source: null,
  });
  assert.deepEqual(instances, []);
  assert.equal(diagnostics[0].code, 'VGL_PLUGIN_CANNOT_RUN');
  assert.match(diagnostics[0].message, /input "procnet" \(plugin procnet\) cannot run here: it reads \/proc\/net, which exists on Linux only \(this is darwin\)/);
});
