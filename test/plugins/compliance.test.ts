/**
 * One harness over every stock plugin (and the example site plugin): the
 * definition is sound, every config key is described, the example config
 * validates, the instance starts and stops (twice, harmlessly), every field
 * it emits exists in the field registry, and it exports metrics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { STOCK_PLUGINS } from '../../src/plugins/registry.ts';
import { definitionProblems } from '../../src/core/plugins/check-definition.ts';
import { keysAt } from '../../src/core/config/issues.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import { loadSitePlugins } from '../../src/core/plugins/site-loader.ts';
import { isKnownField } from '../../src/core/fields.ts';
import type { AnyPlugin, VigilEvent, Hit, InputPlugin, ActionPlugin, EnricherPlugin } from '../../src/core/plugin-api.ts';
import { pcapBytes } from '../../bench/lib/pcap-writer.ts';
import { ethernet, ip, tcp, PROTO } from '../../bench/lib/packets.ts';
import { testServices } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-compliance-'));
let listener: Server;
const plugins: AnyPlugin[] = [...STOCK_PLUGINS];

/** Configs that make each plugin do real work here; plugins not listed run with their example. */
const RUN_CONFIG: Record<string, () => Record<string, unknown>> = {
  pcapfile: () => ({ path: join(dir, 'two.pcap') }),
  jsonl: () => ({ path: join(dir, 'two.jsonl') }),
  procnet: () => ({ interval: '20ms', tables: ['tcp', 'tcp6'] }),
  log: () => ({ path: join(dir, 'log', 'hits.jsonl'), format: 'json' }),
  'csv-hits': () => ({ path: join(dir, 'hits.csv') }),
};

const HIT: Hit = { ts: Date.UTC(2026, 0, 1), rule: 'compliance', key: { 'src.ip': '10.77.0.9' }, src: '10.77.0.9', tags: [], severity: 'low', message: 'compliance hit', actions: [] };

before(async () => {
  const t0 = Date.UTC(2026, 0, 1);
  writeFileSync(join(dir, 'two.pcap'), pcapBytes([0, 1].map((i) => ({ tsMs: t0 + i, data: ethernet(ip('10.77.0.9', '10.77.0.2', PROTO.TCP, tcp({ sport: 40000, dport: 22 + i, flags: 'S' }))) }))));
  writeFileSync(join(dir, 'two.jsonl'), [0, 1].map((i) => JSON.stringify({ ts: t0 + i, kind: 'flow', input: 'x', proto: 'udp', src: { ip: '10.77.0.9', port: 5353 }, dst: { ip: '10.77.0.2', port: 53 }, flow: { state: 'new' } })).join('\n') + '\n');
  // a socket that is sure to exist while procnet runs
  listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const site = await loadSitePlugins({ dirs: [join(import.meta.dirname ?? '.', '..', '..', 'examples', 'plugins')], packages: [], resolveFrom: dir });
  plugins.push(...site.plugins.map((p) => p.plugin));
});
after(() => { listener.close(); rmSync(dir, { recursive: true, force: true }); });

/** How long an input may take to emit its first event, or to end after stop (a failure guard, never a synchronisation). */
const WAIT_MS = 20_000;

/** `p`, or a rejection naming `what` once `ms` have passed without it; the guard timer is always cleared. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); });
  try { return await Promise.race([p, guard]); } finally { clearTimeout(timer); }
}

function leafPaths(o: object, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const p = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...leafPaths(v as object, p));
    else out.push(p);
  }
  return out;
}

function undescribedKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { _zod: { def: { shape?: Record<string, { description?: string }> } } })._zod.def.shape ?? {};
  return keysAt(schema, []).filter((k) => !shape[k]?.description);
}

test('every registered plugin passes the compliance checks', async (t) => {
  assert.ok(plugins.some((p) => p.name === 'csv-hits'), 'the example site plugin is included');
  for (const plugin of plugins) {
    await t.test(`${plugin.kind} ${plugin.name}`, async () => {
      assert.deepEqual(definitionProblems(plugin), []);
      assert.ok(plugin.description.length > 20, 'the description says what the plugin does');
      assert.deepEqual(undescribedKeys(plugin.schema), [], 'every config key has a description');
      if (plugin.kind === 'action') assert.deepEqual(undescribedKeys((plugin as ActionPlugin).paramsSchema), [], 'every action param has a description');
      assert.equal(plugin.schema.safeParse(plugin.example).success, true);

      const svc = testServices();
      const config = plugin.schema.parse(RUN_CONFIG[plugin.name]?.() ?? plugin.example);
      const ctx = pluginContext(svc, plugin.name, plugin.name);
      if (plugin.kind === 'input') {
        const inst = (plugin as InputPlugin<unknown>).create(ctx, config);
        const events: VigilEvent[] = [];
        let first: () => void = () => {};
        const gotOne = new Promise<void>((r) => { first = r; });
        const running = inst.start((ev) => { events.push(structuredClone(ev)); first(); });
        try {
          await within(Promise.race([gotOne, running]), WAIT_MS, `${plugin.name}: a first event or the end of input`);
        } finally {
          await inst.stop();
          await inst.stop();
          await within(running, WAIT_MS, `${plugin.name}: start() settling after stop()`);
        }
        assert.ok(events.length > 0, 'the input produced events');
        for (const ev of events) {
          assert.ok((plugin as InputPlugin<unknown>).emits.includes(ev.kind as 'packet'), `emits declares ${ev.kind}`);
          for (const p of leafPaths(ev)) assert.ok(isKnownField(p), `emitted field ${p} is in the field registry`);
        }
      } else if (plugin.kind === 'action') {
        const inst = (plugin as ActionPlugin<unknown>).create(ctx, config);
        await inst.run(HIT, { plugin: plugin.name, params: {} });
        await inst.stop?.();
        await inst.stop?.();
      } else {
        const inst = (plugin as EnricherPlugin<unknown>).create(ctx, config);
        inst.enrich({ ts: HIT.ts, kind: 'packet', input: 'compliance', src: { ip: '10.77.0.9' } });
        await inst.stop?.();
        await inst.stop?.();
      }
      const prefix = `vigil_${plugin.name.replace(/[^a-zA-Z0-9_]/g, '_')}_`;
      assert.ok(svc.metrics.names().some((n) => n.startsWith(prefix)), `exports metrics under ${prefix}`);
    });
  }
});
