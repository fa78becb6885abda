/** The scanlogd formatting helpers, checked against scanlogd's documented log lines. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flagmask, timeUtc, hex, join, scanlogdLine, SCANLOGD_MAX_LENGTH } from '../../src/core/expr/helpers/format.ts';
import { compileTemplate } from '../../src/core/expr/compile.ts';
import { LOC, makeEnv } from './support.ts';

const NOON = Date.UTC(2026, 10, 26, 12, 0, 0);
const SYN = 2;
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('flagmask', () => {
  test('a SYN-only scan is fSrpauxy', () => assert.equal(flagmask(SYN, SYN), 'fSrpauxy'));
  test('bits that varied are ?, bits always set are upper-case, bits never set lower-case', () => {
    // SYN always; ACK in some packets; FIN never; bit 0x80 always.
    assert.equal(flagmask(SYN | 16 | 128, SYN | 128), 'fSrp?uxY');
    assert.equal(flagmask(0xff, 0), '????????');
    assert.equal(flagmask(0, 0), 'fsrpauxy');
    assert.equal(flagmask(0xff, 0xff), 'FSRPAUXY');
  });
  test('bad input gives undefined', () => {
    assert.equal(flagmask(256, 0), undefined);
    assert.equal(flagmask('2', 2), undefined);
  });
});

describe('time_utc, hex, join', () => {
  test('time_utc formats UTC with a strftime subset and the HH:MM:SS token form', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 67);
    assert.equal(timeUtc(t), '03:04:05');
    assert.equal(timeUtc(t, 'HH:MM:SS'), '03:04:05');
    assert.equal(timeUtc(t, '%F %T.%L'), '2026-01-02 03:04:05.067');
    assert.equal(timeUtc(t, '%Y%m%d %j %% %s'), `20260102 002 % ${Math.floor(t / 1000)}`);
    assert.equal(timeUtc('x'), undefined);
    assert.equal(timeUtc(1e20), undefined);
  });
  test('hex pads to width and refuses non-integers', () => {
    assert.equal(hex(0, 2), '00');
    assert.equal(hex(184, 2), 'b8');
    assert.equal(hex(4096), '1000');
    assert.equal(hex(-1), undefined);
    assert.equal(hex(1.5), undefined);
  });
  test('join renders elements as text', () => {
    assert.equal(join([22, 23, 80]), '22, 23, 80');
    assert.equal(join(['a', null, 1], '|'), 'a||1');
    assert.equal(join('22'), undefined);
  });
});

describe("scanlogd's log line", () => {
  test('seven privileged ports from a fixed source port log six ports (the seventh triggered)', () => {
    const line = scanlogdLine('192.0.2.1', 40000, '198.51.100.2', false, [21, 22, 23, 25, 53, 80], SYN, SYN, 0, 64, NOON);
    assert.equal(line, '192.0.2.1:40000 to 198.51.100.2 ports 21, 22, 23, 25, 53, 80, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00');
    assert.equal(line!.length, 101);
  });
  test('twenty high ports are cut to fit 120 characters', () => {
    const line = scanlogdLine('192.0.2.1', 40000, '198.51.100.2', false, range(10000, 20), SYN, SYN, 0, 64, NOON);
    assert.equal(line, '192.0.2.1:40000 to 198.51.100.2 ports 10000, 10001, 10002, 10003, 10004, 10005, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00');
    assert.ok(line!.length <= SCANLOGD_MAX_LENGTH);
  });
  test('varying source port, TOS and TTL and a second destination drop those parts and leave room for a seventh port', () => {
    const line = scanlogdLine('192.0.2.1', null, '198.51.100.2', true, range(10000, 20), SYN, SYN, null, null, NOON);
    assert.equal(line, '192.0.2.1 to 198.51.100.2 and others, ports 10000, 10001, 10002, 10003, 10004, 10005, 10006, ..., fSrpauxy @12:00:00');
  });
  test('one port is always kept, however long the addresses', () => {
    const v6 = '2001:db8:1111:2222:3333:4444:5555:6666';
    const line = scanlogdLine(v6, 40000, v6, true, [1, 2, 3], SYN, SYN, 0, 64, NOON);
    assert.equal(line, `${v6}:40000 to ${v6} and others, ports 1, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00`);
  });
  test('is usable from a template, as the scanlogd pack does', () => {
    const r = compileTemplate('{{ scanlogd_line(src.ip, data.sport, dst.ip, data.others, data.ports, data.or, data.and, data.tos, data.ttl, first_ts) }}', LOC, makeEnv());
    assert.ok(r.ok);
    const scope = { src: { ip: '192.0.2.1' }, dst: { ip: '198.51.100.2' }, first_ts: NOON, data: { sport: 40000, others: false, ports: [21, 22, 23, 25, 53, 80], or: SYN, and: SYN, tos: 0, ttl: 64 } };
    assert.equal(r.value.render(scope), '192.0.2.1:40000 to 198.51.100.2 ports 21, 22, 23, 25, 53, 80, ..., fSrpauxy, TOS 00, TTL 64 @12:00:00');
  });
  test('bad input gives undefined', () => {
    assert.equal(scanlogdLine(undefined, 1, '1.2.3.4', false, [1], 2, 2, 0, 64, NOON), undefined);
    assert.equal(scanlogdLine('1.2.3.4', 1, '1.2.3.4', false, 'x', 2, 2, 0, 64, NOON), undefined);
  });
});
