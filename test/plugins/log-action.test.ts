/**
 * The log action with a file: each hit's line is written before its run
 * returns, so a write that fails (a full disk: /dev/full) fails that hit's
 * run, with the path and the reason, and is not carried over to the next
 * hit; the next hit tries again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import log from '../../src/plugins/actions/log.ts';
import { emptyHostFacts } from '../../src/core/host.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import type { Hit } from '../../src/core/hit.ts';
import { testServices } from './harness.ts';

const hit = (n: number): Hit => ({ ts: n, rule: 'r', key: { 'src.ip': '10.77.0.9' }, src: '10.77.0.9', tags: [], severity: 'low', message: `hit ${n}`, actions: [] });
const req = { plugin: 'log', params: {} };

test('a line that cannot be written fails its own hit, every time, with the path and the reason', { skip: !existsSync('/dev/full') && 'needs /dev/full (Linux)' }, async () => {
  const action = log.create(pluginContext(testServices(emptyHostFacts()), 'log', 'log'), log.schema.parse({ path: '/dev/full' }));
  for (let n = 1; n <= 3; n++) {
    await assert.rejects(action.run(hit(n), req), /log: cannot write \/dev\/full: ENOSPC/, `hit ${n}`);
  }
  await action.stop?.();
});

test('every hit is on disk when its run returns, in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sub', 'hits.jsonl');
  const action = log.create(pluginContext(testServices(emptyHostFacts()), 'log', 'log'), log.schema.parse({ path }));
  for (let n = 1; n <= 3; n++) {
    await action.run(hit(n), req);
    assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, n, `after hit ${n}`);
  }
  await action.stop?.();
  assert.deepEqual(readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message), ['hit 1', 'hit 2', 'hit 3']);
});
