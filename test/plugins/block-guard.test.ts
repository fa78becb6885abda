/**
 * The block action never blocks the host itself, its gateways, loopback,
 * the unspecified address or the allow-list, in any spelling, and never an
 * address or duration a template rendered into nonsense. It is checked in
 * the action, before any mode acts, so every rule and site override gets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import block from '../../src/plugins/actions/block.ts';
import { emptyHostFacts, unblockableReason } from '../../src/core/host.ts';
import { pluginContext } from '../../src/core/plugins/context.ts';
import type { Hit } from '../../src/core/hit.ts';
import { testServices } from './harness.ts';

const host = emptyHostFacts({
  addresses: new Set(['10.77.0.1', 'fd77::1']),
  gateways: new Set(['10.77.0.254']),
  allow: ['10.77.50.0/24', 'fd77:50::/64'],
});

test('an address of the host, its gateway, loopback, unspecified or allow-listed is never blockable, however it is written', () => {
  const never: Array<[string, RegExp]> = [
    ['10.77.0.1', /own addresses/],
    ['::ffff:10.77.0.1', /own addresses/],
    ['FD77:0:0:0:0:0:0:1', /own addresses/],
    ['10.77.0.254', /gateway/],
    ['127.0.0.1', /loopback/],
    ['127.9.9.9', /loopback/],
    ['::1', /loopback/],
    ['::ffff:127.0.0.1', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['10.77.50.9', /allow-list/],
    ['fd77:50::9', /allow-list/],
    [' 10.77.0.1 ', /own addresses/],
    ['', /not an IP address/],
    ['10.77.0.1; rm -rf /', /not an IP address/],
  ];
  for (const [address, why] of never) assert.match(unblockableReason(address, host) ?? 'blockable', why, address);
  for (const address of ['10.77.9.9', 'fd77:9::9', '::ffff:10.77.9.9']) assert.equal(unblockableReason(address, host), null, address);
});

function hitFor(address: string): Hit {
  return { ts: 0, rule: 'r', key: { 'src.ip': address }, src: address, tags: [], severity: 'high', message: 'm', actions: [] };
}

test('the block action refuses, logs and counts a protected address or a bad duration, and goes on', async () => {
  const svc = testServices(host);
  const action = block.create(pluginContext(svc, 'block', 'block'), block.schema.parse({}));
  await action.run(hitFor('10.77.0.254'), { plugin: 'block', params: { address: '10.77.0.254', duration: '10m' } });
  await action.run(hitFor('10.77.9.9'), { plugin: 'block', params: { address: '10.77.9.9', duration: 'soon' } });
  await action.run(hitFor('10.77.9.9'), { plugin: 'block', params: { address: '10.77.9.9', duration: '1h30m' } });
  assert.equal(svc.metrics.value('vigil_block_refused_total'), 2);
  assert.equal(svc.metrics.value('vigil_block_would_block_total'), 1);
});
