import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  StreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { isPortcullisError, PortcullisError } from '@portcullis/events';
import { StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import { isTransientEsdbError, translateEsdbError } from './translate-error.js';

const store = 'esdb localhost:2113';

test("ESDB's WrongExpectedVersionError becomes WrongExpectedRevisionError, no stream as -1", () => {
  const vendor = new WrongExpectedVersionError(undefined, {
    streamName: 'session-1',
    expected: 3n,
    current: 'no_stream',
  });
  const error = translateEsdbError(vendor, store);
  assert.ok(error instanceof WrongExpectedRevisionError);
  assert.equal(error.code, 'CONCURRENCY');
  assert.deepEqual([error.streamName, error.expected, error.actual], ['session-1', 3, -1]);
  assert.equal(error.cause, undefined, 'the typed error stands alone');

  const moved = translateEsdbError(
    new WrongExpectedVersionError(undefined, { streamName: 'session-1', expected: 3n, current: 9n }),
    store,
    { expected: 'stream_exists' },
  );
  assert.ok(moved instanceof WrongExpectedRevisionError);
  assert.deepEqual(
    [moved.expected, moved.actual],
    ['stream_exists', 9],
    "the caller's expectation is reported",
  );
});

test('a deleted stream is an Integrity error; an oversized append a Validation error', () => {
  const deleted = translateEsdbError(StreamDeletedError.fromStreamName('session-1'), store);
  assert.ok(isPortcullisError(deleted, 'INTEGRITY'));
  assert.match(deleted.message, /session-1 was deleted/);
  assert.ok(
    isPortcullisError(
      translateEsdbError(MaxAppendSizeExceededError.fromMaxAppendSize(1024), store),
      'VALIDATION',
    ),
  );
});

test('connection loss, deadlines, access denied and unknown errors become StoreUnavailableError with the vendor error as cause', () => {
  for (const vendor of [
    new UnavailableError(),
    new DeadlineExceededError(),
    new AccessDeniedError(),
    new Error('socket hang up'),
  ]) {
    const error = translateEsdbError(vendor, store);
    assert.ok(error instanceof StoreUnavailableError);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.cause, vendor);
    assert.match(error.message, /^event store esdb localhost:2113 is unavailable/);
  }
});

test('our own errors pass through untouched', () => {
  const ours = new PortcullisError('INTERNAL', 'x');
  assert.equal(translateEsdbError(ours, store), ours);
});

test('subscriptions reconnect after connection-type errors only', () => {
  assert.equal(isTransientEsdbError(new UnavailableError()), true);
  assert.equal(isTransientEsdbError(new DeadlineExceededError()), true);
  assert.equal(isTransientEsdbError(new Error('ECONNRESET')), true);
  assert.equal(isTransientEsdbError(new AccessDeniedError()), false);
  assert.equal(isTransientEsdbError(StreamDeletedError.fromStreamName('x')), false);
  assert.equal(isTransientEsdbError(new PortcullisError('INTEGRITY', 'bad event')), false);
});
