import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { MetricsRegistry } from '../../src/core/metrics/registry.ts';
import { serveMetrics } from '../../src/core/metrics/server.ts';

test('plugin metrics are namespaced vigil_<plugin>_<name> and render as Prometheus text', () => {
  const reg = new MetricsRegistry();
  const m = reg.namespace('procnet');
  const polls = m.counter('polls_total', 'Polls of /proc/net.');
  const socks = m.gauge('sockets', 'Sockets tracked.');
  polls.inc(); polls.inc(2);
  socks.set(17);
  reg.computed('vigil_engine_events_total', 'Events pushed into the engine.', 'counter', () => 42);
  assert.equal(polls.value(), 3);
  assert.equal(reg.render(), [
    '# HELP vigil_engine_events_total Events pushed into the engine.',
    '# TYPE vigil_engine_events_total counter',
    'vigil_engine_events_total 42',
    '# HELP vigil_procnet_polls_total Polls of /proc/net.',
    '# TYPE vigil_procnet_polls_total counter',
    'vigil_procnet_polls_total 3',
    '# HELP vigil_procnet_sockets Sockets tracked.',
    '# TYPE vigil_procnet_sockets gauge',
    'vigil_procnet_sockets 17',
    '',
  ].join('\n'));
});

test('names with dashes become valid metric names; the same metric asked twice is shared', () => {
  const reg = new MetricsRegistry();
  const a = reg.namespace('cidr-tags').counter('tagged-total', 'Events tagged.');
  const b = reg.namespace('cidr-tags').counter('tagged-total', 'Events tagged.');
  a.inc(); b.inc();
  assert.equal(reg.value('vigil_cidr_tags_tagged_total'), 2);
  assert.throws(() => reg.namespace('cidr-tags').gauge('tagged-total', 'x'), /already registered as a counter/);
});

test('/metrics is served on loopback; other paths are 404', async () => {
  const reg = new MetricsRegistry();
  reg.namespace('log').counter('hits_total', 'Hits written.').inc(5);
  const srv = await serveMetrics(reg, '127.0.0.1:0');
  const get = (path: string) => new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port: srv.port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    }).on('error', reject).end();
  });
  try {
    const ok = await get('/metrics');
    assert.equal(ok.status, 200);
    assert.match(ok.type, /^text\/plain; version=0\.0\.4/);
    assert.match(ok.body, /^vigil_log_hits_total 5$/m);
    assert.equal((await get('/')).status, 404);
  } finally { await srv.close(); }
});
