import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Pipeline } from '../../src/core/pipeline.ts';
import { ActionRunner } from '../../src/core/plugins/action-runner.ts';
import { guardEnricher, guardInput, guardAction, PluginError } from '../../src/core/plugins/guard.ts';
import { MetricsRegistry } from '../../src/core/metrics/registry.ts';
import { EventClock } from '../../src/core/clock.ts';
import type { VigilEvent, Hit, ActionInstance } from '../../src/core/plugin-api.ts';
import type { Instance } from '../../src/core/plugins/instantiate.ts';

const silent = pino({ level: 'silent' });
const ev = (ts: number, port: number): VigilEvent => ({ ts, kind: 'packet', input: 'test', src: { ip: '10.77.0.9', port }, dst: { ip: '10.77.0.2', port: 22 } });

/** A real batch input over a fixed list of events. */
function listInput(name: string, events: VigilEvent[], fail?: string): Instance<'input'> {
  const inner = {
    async start(emit: (e: VigilEvent) => void) { for (const e of events) emit(e); if (fail) throw new Error(fail); },
    async stop() {},
  };
  return { plugin: { name } as Instance<'input'>['plugin'], name, config: {}, instance: guardInput(name, name, inner) };
}

test('events pass the enrichers in order, then reach the consumer; the clock follows event time', async () => {
  const clock = new EventClock(0);
  const seen: Array<[number, number | undefined, number]> = [];
  const enrichers = [
    guardEnricher('a', 'a', { enrich: (e) => { e.proc = { pid: 1 }; } }, () => {}),
    guardEnricher('b', 'b', { enrich: (e) => { e.proc!.pid! += 1; } }, () => {}),
  ];
  const p = new Pipeline({ enrichers, consumer: { feed: (e) => { clock.advance(e.ts); seen.push([e.ts, e.proc?.pid, clock.now()]); } } });
  const failures = await p.run([listInput('one', [ev(1000, 1), ev(2000, 2)]), listInput('two', [ev(3000, 3)])], true);
  assert.deepEqual(failures, []);
  assert.deepEqual(seen, [[1000, 2, 1000], [2000, 2, 2000], [3000, 2, 3000]]);
  assert.equal(p.events, 3);
});

test('an enricher that throws leaves the event as it was and the pipeline goes on; the error names the plugin', async () => {
  const errors: PluginError[] = [];
  const enricher = guardEnricher('geo', 'site-geo', { enrich: (e) => { if (e.src?.port === 2) throw new Error('lookup table missing'); } }, (e) => errors.push(e));
  const got: number[] = [];
  const p = new Pipeline({ enrichers: [enricher], consumer: { feed: (e) => got.push(e.src!.port!) } });
  await p.run([listInput('one', [ev(1, 1), ev(2, 2), ev(3, 3)])], true);
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].message, 'plugin "geo" instance "site-geo" failed in enrich: lookup table missing');
});

test('a failing input is reported with its name after its good events; the others still run', async () => {
  const got: number[] = [];
  const p = new Pipeline({ enrichers: [], consumer: { feed: (e) => got.push(e.src!.port!) } });
  const failures = await p.run([listInput('bad', [ev(1, 1)], 'damaged at byte 40'), listInput('good', [ev(2, 2)])], true);
  assert.deepEqual(got, [1, 2]);
  assert.deepEqual(failures.map((f) => [f.input, f.error.message]), [['bad', 'plugin "bad" failed in start: damaged at byte 40']]);
});

const hit = (rule: string, plugins: string[]): Hit => ({ ts: 1, rule, key: {}, tags: [], severity: 'low', message: rule, actions: plugins.map((plugin) => ({ plugin, params: { n: rule } })) });

test('the action runner delivers in order, skips engine and unknown actions, counts failures', async () => {
  const delivered: string[] = [];
  const record: ActionInstance = { run: async (h, req) => { delivered.push(`${h.rule}:${req.plugin}`); } };
  const failing: ActionInstance = { run: async () => { throw new Error('smtp down'); } };
  const metrics = new MetricsRegistry();
  const r = new ActionRunner(new Map([['log', guardAction('log', 'log', record)], ['email', guardAction('email', 'email', failing)]]), silent, metrics.namespace('actions'));
  r.submit(hit('r1', ['log', 'context.set', 'email']));
  r.submit(hit('r2', ['nope', 'log']));
  await r.drain();
  assert.deepEqual(delivered, ['r1:log', 'r2:log']);
  assert.equal(metrics.value('vigil_actions_runs_total'), 2);
  assert.equal(metrics.value('vigil_actions_failures_total'), 1);
  assert.equal(metrics.value('vigil_actions_unknown_total'), 1);
});

test('the action queue is bounded: overflow is dropped and counted, never blocks the submitter', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  let ran = 0;
  const slow: ActionInstance = { run: async () => { await gate; ran++; } };
  const metrics = new MetricsRegistry();
  const r = new ActionRunner(new Map([['slow', slow]]), silent, metrics.namespace('actions'), 3);
  for (let i = 0; i < 10; i++) r.submit(hit(`r${i}`, ['slow']));
  // the first request is taken by the worker at once; three wait; six are dropped
  assert.equal(metrics.value('vigil_actions_dropped_total'), 6);
  release();
  await r.drain();
  assert.equal(ran, 4);
});

test('a delivery that does not end within its time limit counts as failed, and the next request is delivered', async () => {
  const delivered: string[] = [];
  const hung: ActionInstance = { run: () => new Promise<void>(() => {}) };
  const record: ActionInstance = { run: async (h) => { delivered.push(h.rule); } };
  const metrics = new MetricsRegistry();
  const r = new ActionRunner(new Map([['hung', hung], ['log', record]]), silent, metrics.namespace('actions'), 100, 50);
  r.submit(hit('r1', ['hung', 'log']));
  r.submit(hit('r2', ['log']));
  assert.equal(await r.drain(5_000), 0, 'the queue empties although one delivery never ends');
  assert.deepEqual(delivered, ['r1', 'r2']);
  assert.equal(metrics.value('vigil_actions_failures_total'), 1);
  assert.equal(metrics.value('vigil_actions_runs_total'), 2);
});

test('drain with a time limit returns how many requests it left undelivered', async () => {
  const hung: ActionInstance = { run: () => new Promise<void>(() => {}) };
  const r = new ActionRunner(new Map([['hung', hung]]), silent, new MetricsRegistry().namespace('actions'), 100, 300);
  r.submit(hit('r1', ['hung']));
  r.submit(hit('r2', ['hung']));
  assert.equal(await r.drain(50), 2, 'one in delivery, one queued');
});

test('guarded start and stop are idempotent', async () => {
  let starts = 0, stops = 0;
  const g = guardInput('x', 'x', { start: async () => { starts++; }, stop: async () => { stops++; } });
  await Promise.all([g.start(() => {}), g.start(() => {})]);
  await g.stop(); await g.stop();
  assert.deepEqual([starts, stops], [1, 1]);
});
