import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamChainVerifier, isPortcullisError } from '@portcullis/events';
import { WrongExpectedRevisionError } from '../errors.js';
import { appendEvents, type StreamAppender } from './append.js';
import { readStreamEvents } from './read-stream.js';
import { newEvent } from './testing/fake-esdb.js';
import { InMemoryEsdb } from './testing/in-memory-esdb.js';

const store = 'esdb test';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function setUp() {
  const esdb = new InMemoryEsdb();
  return { esdb, client: esdb as unknown as StreamAppender };
}

test('appends chain across calls and the result is the next expected revision and last position', async () => {
  const { esdb, client } = setUp();
  const first = await appendEvents(
    client,
    store,
    'session-1',
    [newEvent(id(1)), newEvent(id(2))],
    'no_stream',
  );
  const second = await appendEvents(
    client,
    store,
    'session-1',
    [newEvent(id(3))],
    first.nextExpectedRevision,
  );
  assert.equal(first.nextExpectedRevision, 1);
  assert.equal(second.nextExpectedRevision, 2);
  assert.ok(second.position.commit > first.position.commit);
  const events = await readStreamEvents(client, store, 'session-1');
  const verifier = new StreamChainVerifier();
  assert.deepEqual(
    events.map((e) => verifier.check(e)),
    [null, null, null],
  );
  assert.equal(esdb.appendCalls, 2);
});

test('a retried append is answered from the stream without writing again', async () => {
  const { esdb, client } = setUp();
  const batch = [newEvent(id(1)), newEvent(id(2))];
  const original = await appendEvents(client, store, 'session-1', batch, 'no_stream');
  const retried = await appendEvents(client, store, 'session-1', batch, 'no_stream');
  assert.deepEqual(retried, original);
  assert.equal(esdb.appendCalls, 1);
  assert.equal(esdb.streams.get('session-1')!.length, 2);
});

test('when a racing writer wins, `any` re-reads and chains onto the new head', async () => {
  const { esdb, client } = setUp();
  await appendEvents(client, store, 'session-1', [newEvent(id(1))], 'no_stream');
  esdb.appendCalls = 0;
  esdb.beforeAppend = (stream) => esdb.appendNow(stream, [newEvent(id(9))]);
  const result = await appendEvents(client, store, 'session-1', [newEvent(id(2))], 'any');
  const events = await readStreamEvents(client, store, 'session-1');
  assert.deepEqual(
    events.map((e) => e.id),
    [id(1), id(9), id(2)],
  );
  assert.equal(result.nextExpectedRevision, 2);
  assert.equal(esdb.appendCalls, 2, 'one refused write, one accepted');
  const verifier = new StreamChainVerifier();
  for (const event of events) assert.equal(verifier.check(event), null, 'the chain survives the race');
});

test('`stream_exists` that still holds after a lost race is retried, not refused', async () => {
  const { esdb, client } = setUp();
  await appendEvents(client, store, 'session-1', [newEvent(id(1))], 'no_stream');
  esdb.beforeAppend = (stream) => esdb.appendNow(stream, [newEvent(id(9))]);
  const result = await appendEvents(client, store, 'session-1', [newEvent(id(2))], 'stream_exists');
  assert.equal(result.nextExpectedRevision, 2);
});

test('when a racing writer wins against an exact revision, the caller gets WrongExpectedRevisionError', async () => {
  const { esdb, client } = setUp();
  await appendEvents(client, store, 'session-1', [newEvent(id(1))], 'no_stream');
  esdb.beforeAppend = (stream) => esdb.appendNow(stream, [newEvent(id(8))]);
  await assert.rejects(
    appendEvents(client, store, 'session-1', [newEvent(id(2))], 0),
    (error) => error instanceof WrongExpectedRevisionError && error.expected === 0 && error.actual === 1,
  );
  assert.equal(esdb.streams.get('session-1')!.length, 2, 'our event was not written');
});

test('a racing duplicate of our own append turns into an idempotent success', async () => {
  const { esdb, client } = setUp();
  const batch = [newEvent(id(1))];
  esdb.beforeAppend = (stream) => esdb.appendNow(stream, batch);
  const result = await appendEvents(client, store, 'session-1', batch, 'no_stream');
  assert.equal(result.nextExpectedRevision, 0);
  assert.equal(esdb.streams.get('session-1')!.length, 1);
});

test('a writer that keeps losing gives up after the attempts allowed', async () => {
  const { esdb, client } = setUp();
  await appendEvents(client, store, 'session-1', [newEvent(id(1))], 'no_stream');
  let raced = 0;
  const race = (stream: string) => {
    raced += 1;
    esdb.appendNow(stream, [newEvent(id(100 + raced))]);
    esdb.beforeAppend = race;
  };
  esdb.beforeAppend = race;
  await assert.rejects(
    appendEvents(client, store, 'session-1', [newEvent(id(2))], 'any', 3),
    (error) => error instanceof WrongExpectedRevisionError && error.expected === 'any',
  );
  assert.equal(raced, 3);
});

test('empty, system and checkpoint stream names are refused before any I/O', async () => {
  const { esdb, client } = setUp();
  for (const name of ['', '$all', '$$session-1', 'portcullis_checkpoint-siem']) {
    await assert.rejects(appendEvents(client, store, name, [], 'any'), (error) =>
      isPortcullisError(error, 'VALIDATION'),
    );
  }
  assert.equal(esdb.appendCalls, 0);
});
