/**
 * Pipeline.stop (src/core/pipeline.ts) as `vigil run` relies on it: once
 * stop() is called, `run` resolves and no input starts afterwards, also
 * when inputs run one after another (several replay files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pipeline } from '../../src/core/pipeline.ts';
import { guardInput } from '../../src/core/plugins/guard.ts';
import type { VigilEvent } from '../../src/core/plugin-api.ts';
import type { Instance } from '../../src/core/plugins/instantiate.ts';

/** A stream input that runs until stopped, recording that it started. */
function streamInput(name: string, started: string[]): Instance<'input'> {
  let done: (() => void) | null = null;
  const inner = {
    start(_emit: (e: VigilEvent) => void) { started.push(name); return new Promise<void>((r) => { done = r; }); },
    async stop() { done?.(); },
  };
  return { plugin: { name } as Instance<'input'>['plugin'], name, config: {}, instance: guardInput(name, name, inner) };
}

test('stop() during a sequential run ends it: the inputs after the running one are never started', { timeout: 10_000 }, async () => {
  const started: string[] = [];
  const p = new Pipeline({ enrichers: [], consumer: { feed() {} } });
  const ran = p.run([streamInput('first', started), streamInput('second', started)], true);
  await new Promise((r) => setImmediate(r));
  await p.stop();
  // Bounded: without the fix the second input runs until something stops it, and nothing will.
  const outcome = await Promise.race([ran.then(() => 'resolved'), new Promise((r) => setTimeout(() => r('still running'), 3_000))]);
  assert.deepEqual([outcome, started], ['resolved', ['first']]);
});

test('stop() before run: run starts no input and resolves', { timeout: 10_000 }, async () => {
  const started: string[] = [];
  const p = new Pipeline({ enrichers: [], consumer: { feed() {} } });
  await p.stop();
  const outcome = await Promise.race([p.run([streamInput('only', started)], false).then(() => 'resolved'), new Promise((r) => setTimeout(() => r('still running'), 3_000))]);
  assert.deepEqual([outcome, started], ['resolved', []]);
});
