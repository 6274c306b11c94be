import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENESIS_HASH, StreamChainVerifier, isPortcullisError, type RecordedEvent } from '@portcullis/events';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import type { ExpectedRevision } from '../port.js';
import { expectationHolds, planAppend } from './plan-append.js';
import { fromEsdbEvent } from './stored-event.js';
import { newEvent, storedStream } from './testing/fake-esdb.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

/** The stream's events as the adapter reads them back, newest first (as the append reads its tail). */
function tailOf(ids: string[]): RecordedEvent[] {
  return storedStream(
    'session-1',
    ids.map((id) => newEvent(id)),
  )
    .map(fromEsdbEvent)
    .reverse();
}

test('expectations: any / no_stream / stream_exists / exact, against -1 (no stream) and a revision', () => {
  const cases: [ExpectedRevision, number, boolean][] = [
    ['any', -1, true],
    ['any', 4, true],
    ['no_stream', -1, true],
    ['no_stream', 0, false],
    ['stream_exists', -1, false],
    ['stream_exists', 0, true],
    [4, 4, true],
    [3, 4, false],
    [0, -1, false],
  ];
  for (const [expected, actual, holds] of cases) {
    assert.equal(expectationHolds(expected, actual), holds, `${String(expected)} vs ${actual}`);
  }
});

test('the first append to a new stream starts the chain at GENESIS and writes expecting NO_STREAM (-1)', () => {
  const plan = planAppend('session-1', [newEvent(A), newEvent(B)], 'no_stream', []);
  assert.equal(plan.kind, 'write');
  assert.ok(plan.kind === 'write');
  assert.equal(plan.actual, -1);
  assert.deepEqual(
    plan.events.map((e) => e.revision),
    [0, 1],
  );
  assert.equal(plan.events[0]!.metadata.prevHash, GENESIS_HASH);
  assert.equal(plan.events[1]!.metadata.prevHash, plan.events[0]!.hash);
  const verifier = new StreamChainVerifier();
  for (const event of plan.events) assert.equal(verifier.check(event), null);
});

test('a later append chains onto the stored head and expects exactly the head revision', () => {
  const tail = tailOf([A, B]);
  const plan = planAppend('session-1', [newEvent(C)], 1, tail);
  assert.ok(plan.kind === 'write');
  assert.equal(plan.actual, 1);
  assert.equal(plan.events[0]!.revision, 2);
  assert.equal(plan.events[0]!.metadata.prevHash, tail[0]!.hash);
});

test('with `any`, the exact revision read is still what the write expects (so a race is detected)', () => {
  const plan = planAppend('session-1', [newEvent(C)], 'any', tailOf([A, B]));
  assert.ok(plan.kind === 'write');
  assert.equal(plan.actual, 1);
});

test('a retried append whose ids are the last events answers the original result, even with a stale revision', () => {
  const tail = tailOf([A, B, C]);
  for (const expected of ['no_stream', 0, 'any'] as ExpectedRevision[]) {
    const plan = planAppend('session-1', [newEvent(B), newEvent(C)], expected, tail);
    assert.deepEqual(plan, {
      kind: 'done',
      result: { nextExpectedRevision: 2, position: tail[0]!.position },
    });
  }
});

test('ids already stored but not as this exact append are a DuplicateEventError', () => {
  const tail = tailOf([A, B]);
  assert.throws(
    () => planAppend('session-1', [newEvent(A), newEvent(C)], 'any', tail),
    (error) => error instanceof DuplicateEventError && error.eventIds.join() === A,
  );
});

test('a broken expectation throws WrongExpectedRevisionError with the actual revision (-1 for no stream)', () => {
  assert.throws(
    () => planAppend('session-1', [newEvent(C)], 0, tailOf([A, B])),
    (error) =>
      error instanceof WrongExpectedRevisionError &&
      error.actual === 1 &&
      error.expected === 0 &&
      error.code === 'CONCURRENCY',
  );
  assert.throws(
    () => planAppend('session-1', [newEvent(C)], 'stream_exists', []),
    (error) => error instanceof WrongExpectedRevisionError && error.actual === -1,
  );
  assert.throws(
    () => planAppend('session-1', [newEvent(C)], 'no_stream', tailOf([A])),
    (error) => error instanceof WrongExpectedRevisionError && error.actual === 0,
  );
});

test('the same id twice in one append is a validation error', () => {
  assert.throws(
    () => planAppend('session-1', [newEvent(A), newEvent(A)], 'any', []),
    (error) => isPortcullisError(error, 'VALIDATION'),
  );
});

test('an empty append checks the expectation and reports the head without writing', () => {
  const tail = tailOf([A]);
  assert.deepEqual(planAppend('session-1', [], 0, tail), {
    kind: 'done',
    result: { nextExpectedRevision: 0, position: tail[0]!.position },
  });
  assert.throws(() => planAppend('session-1', [], 'no_stream', tail), WrongExpectedRevisionError);
});
