import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamChainVerifier, isPortcullisError } from '@portcullis/events';
import { isCanonicalUuid, toEsdbEventId } from './event-id.js';
import { chainEvents, fromEsdbEvent, isPortcullisStored, toEsdbEventData } from './stored-event.js';
import { newEvent, storedEvent, storedStream, systemEvent } from './testing/fake-esdb.js';

const A = '00000000-0000-4000-8000-00000000000a';

test('written then read back, events keep id, type, data, metadata and a chain that verifies', () => {
  const written = [
    newEvent(A, 'SessionOpened', {
      sessionId: 's1',
      at: new Date('2026-01-01T00:00:00Z'),
      skipped: undefined,
    }),
    newEvent('evt-2', 'CommandReceived', { sessionId: 's1', sequence: 1 }),
  ];
  const read = storedStream('session-1', written).map(fromEsdbEvent);
  assert.deepEqual(
    read.map((e) => [e.id, e.type, e.schemaVersion, e.revision, e.streamName]),
    [
      [A, 'SessionOpened', 1, 0, 'session-1'],
      ['evt-2', 'CommandReceived', 1, 1, 'session-1'],
    ],
  );
  // Data as JSON keeps it: the hash was taken over the same JSON form.
  assert.deepEqual(read[0]!.data, { sessionId: 's1', at: '2026-01-01T00:00:00.000Z' });
  assert.deepEqual(Object.keys(read[1]!.metadata).sort(), [
    '$causationId',
    '$correlationId',
    'actor',
    'gatewayInstance',
    'prevHash',
    'recordedAt',
  ]);
  assert.deepEqual(read[1]!.position, { commit: 110n, prepare: 110n });
  const verifier = new StreamChainVerifier();
  for (const event of read) assert.equal(verifier.check(event), null);
});

test('stored metadata carries $hash and $schemaVersion, and $id only for ids that are not canonical UUIDs', () => {
  const [uuidEvent, otherEvent] = chainEvents('session-1', [newEvent(A), newEvent('EVT-2')], null);
  const first = toEsdbEventData(uuidEvent!);
  const second = toEsdbEventData(otherEvent!);
  assert.equal(first.id, A);
  assert.equal(first.contentType, 'application/json');
  assert.deepEqual(
    {
      $hash: (first.metadata as Record<string, unknown>).$hash,
      $id: (first.metadata as Record<string, unknown>).$id,
    },
    { $hash: uuidEvent!.hash, $id: undefined },
  );
  assert.equal((first.metadata as Record<string, unknown>).$schemaVersion, 1);
  assert.ok(isCanonicalUuid(second.id));
  assert.equal((second.metadata as Record<string, unknown>).$id, 'EVT-2');
});

test('non-UUID ids map to a stable version-5 UUID, so a retry hits the same ESDB id', () => {
  assert.equal(toEsdbEventId(A), A);
  const upper = A.toUpperCase();
  assert.equal(toEsdbEventId(upper), toEsdbEventId(upper));
  assert.notEqual(toEsdbEventId(upper), A);
  assert.notEqual(toEsdbEventId('evt-1'), toEsdbEventId('evt-2'));
  assert.match(
    toEsdbEventId('evt-1'),
    /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
});

test('an event not written by Portcullis is recognised, and mapping it is an Integrity error', () => {
  const foreign = storedEvent(
    'session-1',
    0,
    { id: A, contentType: 'application/json', type: 'SessionOpened', data: {}, metadata: { actor: 'x' } },
    { commit: 1n, prepare: 1n },
  );
  assert.equal(isPortcullisStored(foreign), false);
  assert.equal(isPortcullisStored(systemEvent(5n)), false);
  assert.throws(
    () => fromEsdbEvent(foreign),
    (error) => isPortcullisError(error, 'INTEGRITY'),
  );
});
