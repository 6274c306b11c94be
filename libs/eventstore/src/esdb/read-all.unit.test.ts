import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePositions, type Position } from '@portcullis/events';
import type { AllStreamRecordedEvent, ReadPosition } from '@eventstore/db-client';
import { readAllEvents, type AllReader } from './read-all.js';
import { fakeRead, newEvent, storedEvent, storedStream, systemEvent } from './testing/fake-esdb.js';
import { chainEvents, toEsdbEventData } from './stored-event.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * $all as the server would page it: inclusive `fromPosition` forwards (as
 * ESDB does), exclusive backwards. Records the pages asked for.
 */
function fakeAll(records: AllStreamRecordedEvent[]) {
  const sorted = [...records].sort((a, b) => comparePositions(a.position, b.position));
  const pages: { direction: string; from: ReadPosition; maxCount: number }[] = [];
  const client = {
    readAll(options: { direction: string; fromPosition: ReadPosition; maxCount: number }) {
      pages.push({ direction: options.direction, from: options.fromPosition, maxCount: options.maxCount });
      const from = options.fromPosition;
      let selected: AllStreamRecordedEvent[];
      if (options.direction === 'forwards') {
        selected =
          from === 'start'
            ? sorted
            : sorted.filter((e) => comparePositions(e.position, from as Position) >= 0);
      } else {
        const reversed = [...sorted].reverse();
        selected =
          from === 'end'
            ? reversed
            : reversed.filter((e) => comparePositions(e.position, from as Position) < 0);
      }
      return fakeRead(selected.slice(0, options.maxCount).map((event) => ({ event })));
    },
  };
  return { client: client as unknown as AllReader, pages };
}

const sessions = storedStream('session-1', [newEvent(id(1)), newEvent(id(2), 'CommandReceived')], 100n);
const approvals = storedStream('approval-1', [newEvent(id(3), 'ApprovalRequested')], 105n);
const checkpoint = (() => {
  const [chained] = chainEvents('portcullis_checkpoint-siem', [newEvent(id(4))], null);
  return storedEvent('portcullis_checkpoint-siem', 0, toEsdbEventData(chained!), {
    commit: 107n,
    prepare: 107n,
  });
})();
const foreign = storedEvent(
  'orders-9',
  0,
  { id: id(5), contentType: 'application/json', type: 'OrderPlaced', data: {}, metadata: {} },
  { commit: 103n, prepare: 103n },
);
const all = [systemEvent(1n), ...sessions, ...approvals, checkpoint, foreign, systemEvent(200n)];

test('reads our events in global order, skipping system events, checkpoints and foreign events', async () => {
  const { client } = fakeAll(all);
  const events = await readAllEvents(client, 'esdb test');
  assert.deepEqual(
    events.map((e) => [e.id, e.position.commit]),
    [
      [id(1), 100n],
      [id(3), 105n],
      [id(2), 110n],
    ],
  );
});

test('`from` is exclusive in both directions', async () => {
  const { client } = fakeAll(all);
  const after = await readAllEvents(client, 'esdb test', { from: { commit: 105n, prepare: 105n } });
  assert.deepEqual(
    after.map((e) => e.id),
    [id(2)],
  );
  const before = await readAllEvents(client, 'esdb test', {
    direction: 'backwards',
    from: { commit: 105n, prepare: 105n },
  });
  assert.deepEqual(
    before.map((e) => e.id),
    [id(1)],
  );
  const newestFirst = await readAllEvents(client, 'esdb test', { direction: 'backwards' });
  assert.deepEqual(
    newestFirst.map((e) => e.id),
    [id(2), id(3), id(1)],
  );
});

test('maxCount counts matching events, paging through $all as long as needed', async () => {
  const { client, pages } = fakeAll(all);
  const events = await readAllEvents(
    client,
    'esdb test',
    { maxCount: 2, filter: { streamPrefixes: ['session-'] } },
    2,
  );
  assert.deepEqual(
    events.map((e) => e.id),
    [id(1), id(2)],
  );
  assert.ok(pages.length > 2, 'small pages, filtered client side');
  assert.equal(pages[0]!.from, 'start');
  assert.deepEqual(
    pages[1]!.from,
    { commit: 100n, prepare: 100n },
    'the next page starts at the last record read',
  );
});

test('filters by event type exactly', async () => {
  const { client } = fakeAll(all);
  const events = await readAllEvents(client, 'esdb test', { filter: { eventTypes: ['ApprovalRequested'] } });
  assert.deepEqual(
    events.map((e) => e.streamName),
    ['approval-1'],
  );
});
