import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPortcullisError } from '@portcullis/events';
import {
  currentRevisionToNumber,
  exactEsdbExpectation,
  fromEsdbExpectation,
  fromEsdbPosition,
  requirePosition,
  revisionToNumber,
  toEsdbPosition,
  toEsdbReadRevision,
} from './position.js';

test('positions map 1:1 in both directions, beyond 2^53', () => {
  const big = { commit: 2n ** 63n + 7n, prepare: 2n ** 63n + 5n };
  assert.deepEqual(fromEsdbPosition(big), big);
  assert.deepEqual(toEsdbPosition(fromEsdbPosition(big)), big);
});

test('an absent or "unknown" (2^64-1) position is refused, naming the server version needed', () => {
  assert.deepEqual(requirePosition({ commit: 5n, prepare: 4n }, 'e1'), { commit: 5n, prepare: 4n });
  for (const missing of [undefined, { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }]) {
    assert.throws(
      () => requirePosition(missing, 'e1'),
      (error) => isPortcullisError(error, 'INTERNAL') && /22\.10/.test(error.message),
    );
  }
});

test('revisions become numbers, and an unsafe one is an error rather than a rounded number', () => {
  assert.equal(revisionToNumber(0n), 0);
  assert.equal(revisionToNumber(41n), 41);
  assert.equal(revisionToNumber(BigInt(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  assert.throws(() => revisionToNumber(BigInt(Number.MAX_SAFE_INTEGER) + 1n), /safe integer/);
});

test('"no stream" is -1 on our side and NO_STREAM on ESDB\'s', () => {
  assert.equal(currentRevisionToNumber('no_stream'), -1);
  assert.equal(currentRevisionToNumber(3n), 3);
  assert.equal(exactEsdbExpectation(-1), 'no_stream');
  assert.equal(exactEsdbExpectation(3), 3n);
  assert.equal(fromEsdbExpectation(3n), 3);
  assert.equal(fromEsdbExpectation('stream_exists'), 'stream_exists');
  assert.equal(fromEsdbExpectation('any'), 'any');
});

test('read revisions default to the start forwards and the end backwards; numbers are inclusive bigints', () => {
  assert.equal(toEsdbReadRevision(undefined, 'forwards'), 'start');
  assert.equal(toEsdbReadRevision(undefined, 'backwards'), 'end');
  assert.equal(toEsdbReadRevision(7, 'forwards'), 7n);
  assert.equal(toEsdbReadRevision(0, 'backwards'), 0n);
});
