/**
 * Gateways of every routing table count as gateways (is_gateway, and the
 * block action's refusal): a policy-routed host's second uplink is in a
 * table of its own, which /proc/net/route (main table only) never shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseIpRouteJson } from '../../src/core/host-live.ts';

test('default routes of every table give their gateways, multipath next hops included, in canonical text', () => {
  const json = JSON.stringify([
    { dst: 'default', gateway: '10.77.5.254', dev: 'd0', flags: [] },
    { dst: '10.77.5.0/24', dev: 'd0', protocol: 'kernel', scope: 'link', prefsrc: '10.77.5.2', flags: [] },
    { dst: 'default', gateway: '10.77.5.1', dev: 'd0', table: '100', flags: [] },
    { dst: 'default', table: '200', nexthops: [{ gateway: '10.77.6.1', dev: 'd1' }, { gateway: '10.77.7.1', dev: 'd2' }], flags: [] },
    { dst: '10.77.9.0/24', gateway: '10.77.5.9', dev: 'd0', flags: [] },
    { dst: 'default', gateway: 'FD77:0:0:0:0:0:0:1', dev: 'd0', flags: [] },
    { type: 'unreachable', dst: 'default', table: '300', flags: [] },
  ]);
  assert.deepEqual(parseIpRouteJson(json), ['10.77.5.254', '10.77.5.1', '10.77.6.1', '10.77.7.1', 'fd77::1']);
});

test('text that is not iproute2 JSON gives no gateway rather than an error', () => {
  for (const text of ['', 'not json', '{"dst":"default"}', '[null, 3, "x"]']) assert.deepEqual(parseIpRouteJson(text), [], text);
});

const ROOT = process.getuid?.() === 0;
const haveIp = spawnSync('ip', ['-V']).status === 0;

test('in a namespace with a default route in table 100 beside the main one, live host facts hold both gateways', {
  skip: !ROOT ? 'needs root to make a network namespace (CI runs as root)' : !haveIp ? 'needs iproute2 (ip)' : false,
  timeout: 60_000,
}, (t) => {
  const ns = `vg-gw-${process.pid % 100000}`;
  const sh = (...argv: string[]) => {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  sh('ip', 'netns', 'add', ns);
  t.after(() => { spawnSync('ip', ['netns', 'del', ns]); });
  // A veth pair inside the namespace: an interface to route through; no packet is sent.
  sh('ip', '-n', ns, 'link', 'add', 'g0', 'type', 'veth', 'peer', 'name', 'g1');
  sh('ip', '-n', ns, 'addr', 'add', '10.77.5.2/24', 'dev', 'g0');
  sh('ip', '-n', ns, 'link', 'set', 'g0', 'up');
  sh('ip', '-n', ns, 'link', 'set', 'g1', 'up');
  sh('ip', '-n', ns, 'route', 'add', 'default', 'via', '10.77.5.254', 'dev', 'g0');
  sh('ip', '-n', ns, 'route', 'add', 'default', 'via', '10.77.5.1', 'dev', 'g0', 'table', '100');
  const out = sh('ip', 'netns', 'exec', ns, process.execPath, '--import', 'tsx', '--input-type=module', '-e',
    `import { buildHostFacts, policyGatewaysAsync } from ${JSON.stringify(new URL('../../src/core/host-live.ts', import.meta.url).href)};
     const over = { addresses: [], gateways: [], listen: [], allow: [] };
     const atStart = [...buildHostFacts(over, true).gateways];
     const refreshed = [...buildHostFacts(over, true, await policyGatewaysAsync()).gateways];
     process.stdout.write(JSON.stringify({ atStart, refreshed }));`);
  const { atStart, refreshed } = JSON.parse(out) as { atStart: string[]; refreshed: string[] };
  for (const [when, gateways] of [['at start (blocking read)', atStart], ['on a refresh (child process awaited)', refreshed]] as const) {
    assert.ok(gateways.includes('10.77.5.254'), `main table, ${when}: ${out}`);
    assert.ok(gateways.includes('10.77.5.1'), `table 100, ${when}: ${out}`);
  }
});
