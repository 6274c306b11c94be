import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPostgres, tempDir } from '@portcullis/test-support';
import { openSqlEventStore, type OpenedEventStore } from '../open-event-store.js';
import { verifyChains } from '../verify-chains.js';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import { testEvent } from '../contract/event-store-contract.js';

/**
 * The chained fast path (migrations/0006) against the verdicts of
 * portcullis_append (0001): a batch the fast path refuses writes nothing and
 * gets the same answers it always got. On both SQL stores.
 */
const stores: [string, () => Promise<{ opened: OpenedEventStore; stop: () => Promise<void> }>][] = [
  [
    'pglite',
    async () => {
      const dir = await tempDir('portcullis-chained-');
      const opened = await openSqlEventStore({ kind: 'pglite', dataDir: dir.path });
      return { opened, stop: () => dir.remove() };
    },
  ],
  [
    'postgres',
    async () => {
      const server = await startPostgres();
      const opened = await openSqlEventStore({ kind: 'postgres', url: server.url() });
      return { opened, stop: () => server.stop() };
    },
  ],
];

for (const [kind, open] of stores) {
  describe(`chained append fast path: ${kind}`, () => {
    test('refused batches write nothing and get the verdicts; chains stay whole', async () => {
      const { opened, stop } = await open();
      const { store } = opened;
      try {
        const stats = store.groupCommitStats;
        const stream = `session-${randomUUID()}`;
        const first = [testEvent({ n: 0 }), testEvent({ n: 1 })];
        const written = await store.append(stream, first, 'no_stream');
        const next = await store.append(stream, [testEvent({ n: 2 })], 1);
        assert.equal(next.nextExpectedRevision, 2);
        assert.equal(stats.verdictTransactions, 0, 'a writer that holds the head takes the fast path');

        // A retry after a lost reply, with `any` on the head this writer holds:
        // the fast path's INSERT meets the stored ids (unique violation) and
        // rolls back, head move included; the verdict is idempotent.
        const again = await store.append(stream, first, 'any');
        assert.deepEqual(again, written);
        assert.equal(stats.verdictTransactions, 1);
        assert.equal((await store.readStream(stream)).length, 3);

        // The head is still revision 2: the refused fast path moved nothing.
        const after = await store.append(stream, [testEvent({ n: 3 })], 2);
        assert.equal(after.nextExpectedRevision, 3);

        // An id stored in another stream: refused as a duplicate, nothing written.
        const other = `session-${randomUUID()}`;
        await assert.rejects(store.append(other, [first[0]!], 'no_stream'), DuplicateEventError);
        assert.equal((await store.readStream(other)).length, 0);
        assert.equal(stats.verdictTransactions, 2);

        // no_stream on a stream that exists: the fast path's new head collides; a conflict.
        await assert.rejects(store.append(stream, [testEvent()], 'no_stream'), WrongExpectedRevisionError);

        const report = await verifyChains(store, { streamName: stream });
        assert.deepEqual(report.breaks, []);
        assert.equal(report.events, 4);
      } finally {
        await store.close();
        await stop();
      }
    });
  });
}
