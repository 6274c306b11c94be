import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamNotFoundError, type EventData } from '@eventstore/db-client';
import { isPortcullisError } from '@portcullis/events';
import {
  CHECKPOINT_RESET,
  CHECKPOINT_STORED,
  EsdbCheckpointStore,
  checkpointStreamName,
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointClient,
} from './checkpoints.js';
import { fakeRead } from './testing/fake-esdb.js';

test('positions survive the JSON round trip exactly, beyond 2^53', () => {
  const position = { commit: 2n ** 63n + 1n, prepare: 2n ** 63n };
  const data = JSON.parse(JSON.stringify(encodeCheckpoint(position))) as unknown;
  assert.deepEqual(decodeCheckpoint('s', { type: CHECKPOINT_STORED, data }), position);
});

test('a reset marker reads as no checkpoint; anything unreadable is an Integrity error', () => {
  assert.equal(decodeCheckpoint('s', { type: CHECKPOINT_RESET, data: {} }), null);
  for (const bad of [
    { type: CHECKPOINT_STORED, data: { commit: 1, prepare: 1 } },
    { type: CHECKPOINT_STORED, data: { commit: '-1', prepare: '0' } },
    { type: 'Other', data: { commit: '1', prepare: '1' } },
    { type: CHECKPOINT_STORED, data: null },
  ]) {
    assert.throws(
      () => decodeCheckpoint('s', bad),
      (error) => isPortcullisError(error, 'INTEGRITY'),
    );
  }
});

/** A checkpoint client backed by a map, recording the stream metadata it is asked to set. */
function fakeCheckpointClient() {
  const streams = new Map<string, EventData[]>();
  const metadata: [string, unknown][] = [];
  const client = {
    readStream(name: string) {
      const events = streams.get(name);
      if (!events) return fakeRead([], new StreamNotFoundError(undefined, name));
      const last = events[events.length - 1]!;
      return fakeRead([
        { event: { type: last.type, data: JSON.parse(JSON.stringify(last.data)) as unknown } },
      ]);
    },
    appendToStream(name: string, event: EventData) {
      streams.set(name, [...(streams.get(name) ?? []), event]);
      return Promise.resolve({ success: true, nextExpectedRevision: 0n });
    },
    setStreamMetadata(name: string, value: unknown) {
      metadata.push([name, value]);
      return Promise.resolve({ success: true, nextExpectedRevision: 0n });
    },
  };
  return { client: client as unknown as CheckpointClient, streams, metadata };
}

test('load / store / reset through a capped stream per subscriber', async () => {
  const { client, streams, metadata } = fakeCheckpointClient();
  const checkpoints = new EsdbCheckpointStore(client, 'esdb test');
  assert.equal(await checkpoints.load('siem'), null, 'absent stream: no checkpoint');
  await checkpoints.store('siem', { commit: 10n, prepare: 9n });
  await checkpoints.store('siem', { commit: 20n, prepare: 19n });
  assert.deepEqual(await checkpoints.load('siem'), { commit: 20n, prepare: 19n });
  await checkpoints.reset('siem');
  assert.equal(await checkpoints.load('siem'), null);
  assert.deepEqual(
    metadata,
    [['portcullis_checkpoint-siem', { maxCount: 1 }]],
    'maxCount set once per stream',
  );
  assert.deepEqual([...streams.keys()], [checkpointStreamName('siem')]);
});
