import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventClock } from '../../src/core/clock.ts';

test('timers fire in due order, ties in the order they were set, each seeing its own due time', () => {
  const clock = new EventClock(1000);
  const fired: string[] = [];
  clock.at(1300, (d) => fired.push(`c@${d}/${clock.now()}`));
  clock.at(1100, (d) => fired.push(`a@${d}/${clock.now()}`));
  clock.at(1300, (d) => fired.push(`d@${d}/${clock.now()}`));
  clock.at(1200, (d) => fired.push(`b@${d}/${clock.now()}`));
  clock.advance(1250);
  assert.deepEqual(fired, ['a@1100/1100', 'b@1200/1200']);
  assert.equal(clock.now(), 1250);
  clock.advance(5000);
  assert.deepEqual(fired.slice(2), ['c@1300/1300', 'd@1300/1300']);
  assert.equal(clock.now(), 5000);
});

test('a cancelled timer never fires, and cancelling twice or after firing changes nothing', () => {
  const clock = new EventClock(0);
  const fired: number[] = [];
  const a = clock.at(10, () => fired.push(1));
  const b = clock.at(20, () => fired.push(2));
  clock.at(30, () => fired.push(3));
  assert.equal(clock.pending, 3);
  clock.cancel(b);
  clock.cancel(b);
  assert.equal(clock.pending, 2);
  clock.advance(15);
  assert.deepEqual(fired, [1]);
  assert.equal(clock.pending, 1);
  clock.cancel(a);
  assert.equal(clock.pending, 1, 'a fired timer is no longer pending, so cancelling it counts nothing');
  clock.advance(100);
  assert.deepEqual(fired, [1, 3]);
  assert.equal(clock.pending, 0);
});

test('a timer set by a firing timer fires in the same advance when it is due by then', () => {
  const clock = new EventClock(0);
  const fired: number[] = [];
  clock.at(10, (d) => { fired.push(d); clock.at(d + 5, (d2) => fired.push(d2)); clock.at(d + 500, (d3) => fired.push(d3)); });
  clock.advance(100);
  assert.deepEqual(fired, [10, 15]);
  assert.equal(clock.pending, 1);
});

test('time never goes backwards', () => {
  const clock = new EventClock(500);
  const fired: number[] = [];
  clock.at(400, (d) => fired.push(d));
  clock.advance(300);
  assert.equal(clock.now(), 500);
  assert.deepEqual(fired, [], 'advancing to an earlier time fires nothing');
  clock.advance(501);
  assert.deepEqual(fired, [400], 'an overdue timer fires on the next forward step, with its own due time');
});
