import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, backoffSchedule } from './backoff.js';

test('defaults: 100 ms doubling, capped at 30 s, retrying forever', () => {
  assert.deepEqual(backoffSchedule(), {
    initialDelayMs: 100,
    maxDelayMs: 30_000,
    multiplier: 2,
    maxAttempts: Number.POSITIVE_INFINITY,
  });
});

test('the ceiling doubles per attempt and stops at the cap; jitter spans its upper half', () => {
  const schedule = backoffSchedule();
  const lowest = (attempt: number) => backoffDelay(attempt, schedule, () => 0);
  const highest = (attempt: number) => backoffDelay(attempt, schedule, () => 1);
  assert.deepEqual([0, 1, 2, 3].map(highest), [100, 200, 400, 800]);
  assert.deepEqual([0, 1, 2, 3].map(lowest), [50, 100, 200, 400]);
  assert.equal(highest(9), 30_000, '100 * 2^9 = 51 200 is capped');
  assert.equal(lowest(50), 15_000);
  assert.equal(highest(5000), 30_000, 'an overflowing exponent still yields the cap');
});

test('jitter spreads delays between the half and the full ceiling', () => {
  const schedule = backoffSchedule({ initialDelayMs: 1000, maxDelayMs: 1000 });
  const delays = Array.from({ length: 200 }, () => backoffDelay(3, schedule));
  assert.ok(delays.every((d) => d >= 500 && d <= 1000));
  assert.ok(new Set(delays).size > 20, 'not all the same');
});
