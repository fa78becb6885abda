import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSitePlugins } from '../../src/core/plugins/site-loader.ts';
import { PluginCatalog } from '../../src/core/plugins/catalog.ts';
import { instantiate, currentRunEnv } from '../../src/core/plugins/instantiate.ts';
import { STOCK_PLUGINS } from '../../src/plugins/registry.ts';
import type { Hit } from '../../src/core/plugin-api.ts';
import { testServices } from './harness.ts';
import { BROKEN_PLUGINS } from './broken-plugins.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(here, '..', '..');
const EXAMPLES = join(ROOT, 'examples', 'plugins');
const BROKEN = mkdtempSync(join(tmpdir(), 'vigil-broken-'));
for (const [name, text] of Object.entries(BROKEN_PLUGINS)) writeFileSync(join(BROKEN, name), text);
process.on('exit', () => rmSync(BROKEN, { recursive: true, force: true }));

const hit: Hit = { ts: Date.UTC(2026, 0, 2, 3, 4, 5), rule: 'syn-scan', key: { 'src.ip': '10.77.0.9' }, src: '10.77.0.9', tags: ['SCAN'], severity: 'high', message: 'scan from 10.77.0.9, ports "22,80"', count: 15, actions: [{ plugin: 'csv-hits', params: {} }] };

test('the example site plugin loads from its directory and runs as an action', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-site-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { plugins, errors } = await loadSitePlugins({ dirs: [EXAMPLES], packages: [], resolveFrom: ROOT });
  assert.deepEqual(errors, []);
  assert.deepEqual(plugins.map((p) => [p.plugin.kind, p.plugin.name, basename(p.origin)]), [['action', 'csv-hits', 'csv-hits.ts']]);

  const catalog = new PluginCatalog();
  for (const p of STOCK_PLUGINS) catalog.add(p, 'stock');
  assert.equal(catalog.add(plugins[0].plugin, plugins[0].origin), null);
  const svc = testServices();
  const path = join(dir, 'hits.csv');
  const { instances, diagnostics } = instantiate('action', [{ use: 'csv-hits', config: { path }, at: null }], { catalog, services: svc, run: currentRunEnv(), source: null });
  assert.deepEqual(diagnostics, []);
  const action = instances[0].instance;
  await action.run(hit, hit.actions[0]);
  await action.run({ ...hit, message: 'again' }, hit.actions[0]);
  assert.equal(readFileSync(path, 'utf8'), [
    'time,rule,severity,src,count,message',
    '2026-01-02T03:04:05.000Z,syn-scan,high,10.77.0.9,15,"scan from 10.77.0.9, ports ""22,80"""',
    '2026-01-02T03:04:05.000Z,syn-scan,high,10.77.0.9,15,again',
    '',
  ].join('\n'));
  assert.equal(svc.kv.namespace('csv-hits/csv-hits').get('count:syn-scan'), 2);
  assert.equal(svc.metrics.value('vigil_csv_hits_rows_total'), 2);
});

test('broken site plugins are refused, each naming its file and what is wrong; the rest load', async () => {
  const { plugins, errors } = await loadSitePlugins({ dirs: [BROKEN, EXAMPLES], packages: [], resolveFrom: ROOT });
  assert.deepEqual(plugins.map((p) => p.plugin.name), ['throws-in-create', 'csv-hits']);
  const byFile = new Map(errors.map((e) => [basename(e.origin), e.message]));
  assert.deepEqual([...byFile.keys()], ['a-syntax-error.ts', 'b-no-export.ts', 'c-bad-example.ts', 'e-not-kebab.mjs']);
  assert.match(byFile.get('a-syntax-error.ts')!, /^cannot be loaded: .*Expected "}" but found "kind"/);
  assert.match(byFile.get('b-no-export.ts')!, /no plugin export: default-export a definition/);
  assert.match(byFile.get('c-bad-example.ts')!, /`example` does not satisfy `schema`: threshold: Invalid input: expected number/);
  const e = byFile.get('e-not-kebab.mjs')!;
  for (const part of ['`name` must be lower-kebab-case', '`description` must be a non-empty sentence', '`schema` must be a zod schema', '`create` must be a function', 'an input needs `emits`']) assert.ok(e.includes(part), part);
});

test('a plugin that throws in create is refused with its file named; other instances still start', async () => {
  const { plugins } = await loadSitePlugins({ dirs: [BROKEN], packages: [], resolveFrom: ROOT });
  const catalog = new PluginCatalog();
  for (const p of [...STOCK_PLUGINS.map((plugin) => ({ plugin, origin: 'stock' })), ...plugins]) catalog.add(p.plugin, p.origin);
  const { instances, diagnostics } = instantiate('input', [
    { use: 'throws-in-create', config: {}, at: null },
    { use: 'procnet', name: 'sockets', config: { interval: '1h' }, at: null },
  ], { catalog, services: testServices(), run: currentRunEnv(), source: null });
  assert.deepEqual(instances.map((i) => i.name), ['sockets']);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].code, 'VGL_PLUGIN_CREATE_FAILED');
  assert.match(diagnostics[0].message, /input "throws-in-create" \(plugin throws-in-create from .*d-throws-in-create\.js\) threw in create: cannot open \/dev\/nonexistent/);
});

test('a missing plugin directory or package is reported, not fatal', async () => {
  const { plugins, errors } = await loadSitePlugins({ dirs: ['/nonexistent/plugins'], packages: ['vigil-plugin-that-does-not-exist'], resolveFrom: ROOT });
  assert.deepEqual(plugins, []);
  assert.match(errors[0].message, /plugin directory cannot be read \(ENOENT\)/);
  assert.match(errors[1].message, /npm package cannot be found .*npm install vigil-plugin-that-does-not-exist/);
});

test('two plugins with one name: the second is refused naming both origins', () => {
  const catalog = new PluginCatalog();
  const procnet = STOCK_PLUGINS.find((p) => p.name === 'procnet')!;
  assert.equal(catalog.add(procnet, 'stock'), null);
  assert.match(catalog.add(procnet, '/srv/plugins/procnet.ts')!, /input plugin "procnet" from \/srv\/plugins\/procnet\.ts has the same name as the one from stock/);
});

test('a plugin from an npm package name is resolved from the config directory and loaded the same way', async (t) => {
  const site = mkdtempSync(join(tmpdir(), 'vigil-pkg-'));
  t.after(() => rmSync(site, { recursive: true, force: true }));
  const pkg = join(site, 'node_modules', 'vigil-plugin-upper');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'vigil-plugin-upper', version: '1.0.0', type: 'module', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), [
    'export default ({ z, defineEnricher }) => defineEnricher({',
    "  name: 'upper-iface',",
    "  description: 'Upper-cases the interface name of every event.',",
    "  schema: z.strictObject({}),",
    '  example: {},',
    '  create: () => ({ enrich(ev) { if (ev.iface) ev.iface = ev.iface.toUpperCase(); } }),',
    '});',
  ].join('\n'));
  const { plugins, errors } = await loadSitePlugins({ dirs: [], packages: ['vigil-plugin-upper'], resolveFrom: site });
  assert.deepEqual(errors, []);
  assert.deepEqual(plugins.map((p) => [p.plugin.kind, p.plugin.name, p.origin]), [['enricher', 'upper-iface', 'vigil-plugin-upper']]);
  const catalog = new PluginCatalog();
  catalog.add(plugins[0].plugin, plugins[0].origin);
  const { instances } = instantiate('enricher', [{ use: 'upper-iface', config: {}, at: null }], { catalog, services: testServices(), run: currentRunEnv(), source: null });
  const ev = { ts: 1, kind: 'packet' as const, input: 't', iface: 'eth0' };
  instances[0].instance.enrich(ev);
  assert.equal(ev.iface, 'ETH0');
});

test('docs/plugins.md shows the worked example exactly as the file the loader runs', () => {
  const page = readFileSync(join(ROOT, 'docs', 'plugins.md'), 'utf8');
  const file = readFileSync(join(EXAMPLES, 'csv-hits.ts'), 'utf8').trimEnd();
  assert.ok(page.includes('```ts\n' + file + '\n```'), 'regenerate docs/plugins.md with `npm run gen`');
});
