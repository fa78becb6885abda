import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNetTable, visitNetTable, type SocketRow } from '../../src/core/procfs/net-table.ts';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP6_HEADER = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const tail = '00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0';
const line = (local: string, remote: string, st: string, rest = tail) => `   0: ${local} ${remote} ${st} ${rest}`;
const table = (header: string, ...lines: string[]) => [header, ...lines].join('\n') + '\n';

test('a line whose address, port, state, uid or inode is not a number is counted as bad, never read as 0.0.0.0 or NaN', () => {
  const lines = [
    line('ZZZZZZZZ:0016', '00000000:0000', '0A'),
    line('0100007F:', '00000000:0000', '0A'),
    line('0100007F:0016', '00000000:00G0', '0A'),
    line('01zz007F:0016', '00000000:0000', '0A'),
    line('0100007F:0016', '00000000:0000', 'XY'),
    line('0100007F:0016', '00000000:0000', '0A', '00000000:00000000 00:00000000 00000000  10x0        0 4242 1'),
    line('0100007F:0016', '00000000:0000', '0A', '00000000:00000000 00:00000000 00000000  1000        0 42-42 1'),
    line('0100007F:0016', '00000000:0000', '0A', '00000000:00000000 00:00000000'),
  ];
  const { rows, bad, badSample } = parseNetTable('tcp', table(TCP_HEADER, ...lines));
  assert.deepEqual(rows, []);
  assert.equal(bad, lines.length);
  assert.equal(badSample, lines[0]);
});

test('the sample of a bad line is bounded however long the line', () => {
  const { bad, badSample } = parseNetTable('tcp', table(TCP_HEADER, 'x'.repeat(1_000_000)));
  assert.equal(bad, 1);
  assert.ok(badSample!.length <= 200);
});

test('good lines around bad ones still parse', () => {
  const { rows, bad } = parseNetTable('tcp', table(TCP_HEADER, line('0100007F:0016', '00000000:0000', '0A'), 'garbage', line('0100007F:0017', '00000000:0000', '0A')));
  assert.equal(bad, 1);
  assert.deepEqual(rows.map((r) => r.localPort), [22, 23]);
});

test('ports are big-endian hex, addresses little-endian words', () => {
  const { rows } = parseNetTable('tcp', table(TCP_HEADER, line('0102A8C0:FFFF', '0A000001:0001', '01')));
  assert.deepEqual([rows[0].localIp, rows[0].localPort, rows[0].remoteIp, rows[0].remotePort], ['192.168.2.1', 65535, '1.0.0.10', 1]);
});

test('tcp6: IPv4-mapped ends are IPv4 (version 4); a v6 wildcard listener has no peer', () => {
  const { rows } = parseNetTable('tcp6', table(TCP6_HEADER,
    line('0000000000000000FFFF00000100007F:1F90', '0000000000000000FFFF00000200007F:9C40', '01'),
    line('00000000000000000000000000000000:0016', '00000000000000000000000000000000:0000', '0A'),
  ));
  assert.deepEqual([rows[0].localIp, rows[0].remoteIp, rows[0].version, rows[0].localPort, rows[0].remotePort], ['127.0.0.1', '127.0.0.2', 4, 8080, 40000]);
  assert.deepEqual([rows[1].localIp, rows[1].remoteIp, rows[1].version, rows[1].state], ['::', null, 6, 'LISTEN']);
});

test('every TCP state the kernel writes has its name; an unknown one is kept as a number', () => {
  const names = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];
  const lines = names.map((_, i) => line('0100007F:0016', '0200007F:9C40', (i + 1).toString(16).toUpperCase().padStart(2, '0')));
  lines.push(line('0100007F:0016', '0200007F:9C40', '1F'));
  const { rows, bad } = parseNetTable('tcp', table(TCP_HEADER, ...lines));
  assert.equal(bad, 0);
  assert.deepEqual(rows.map((r) => r.state), [...names, 'STATE_31']);
});

test('UDP: a connected socket is ESTABLISHED, any other state UNCONN with no peer', () => {
  const { rows } = parseNetTable('udp', table(TCP_HEADER, line('0100007F:0035', '00000000:0000', '07'), line('0100007F:9C40', '0100007F:0035', '01')));
  assert.deepEqual(rows.map((r) => [r.state, r.remoteIp]), [['UNCONN', null], ['ESTABLISHED', '127.0.0.1']]);
});

test('a table cut off mid-line (no final newline) keeps the whole lines and counts the cut one', () => {
  const whole = line('0100007F:0016', '00000000:0000', '0A');
  const { rows, bad } = parseNetTable('tcp', `${TCP_HEADER}\n${whole}\n${whole.slice(0, 40)}`);
  assert.equal(rows.length, 1);
  assert.equal(bad, 1);
});

test('visiting a large table hands rows one by one without collecting them', () => {
  const n = 50_000;
  const text = table(TCP_HEADER, ...Array.from({ length: n }, (_, i) => line(`0100007F:${(i % 65536).toString(16).toUpperCase().padStart(4, '0')}`, '00000000:0000', '0A')));
  let count = 0;
  let last: SocketRow | null = null;
  const { bad } = visitNetTable('tcp', text, (r) => { count++; last = r; });
  assert.equal(bad, 0);
  assert.equal(count, n);
  assert.equal((last as SocketRow | null)?.localPort, (n - 1) % 65536);
});
