import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPostgres } from '@portcullis/test-support';
import { openSqlEventStore } from '../open-event-store.js';
import { verifyChains } from '../verify-chains.js';
import { WrongExpectedRevisionError } from '../errors.js';
import { testEvent } from '../contract/event-store-contract.js';

test('two gateway instances writing one stream in turn keep one unbroken chain', async () => {
  const server = await startPostgres();
  const a = await openSqlEventStore({ kind: 'postgres', url: server.url() });
  const b = await openSqlEventStore({ kind: 'postgres', url: server.url() });
  try {
    const stream = `approval-${randomUUID()}`;
    let expected: number | 'no_stream' = 'no_stream';
    for (let i = 0; i < 6; i++) {
      // Each instance's cached head is stale (or absent) every other turn.
      const writer = i % 2 === 0 ? a.store : b.store;
      expected = (await writer.append(stream, [testEvent({ turn: i })], expected)).nextExpectedRevision;
    }
    assert.equal(expected, 5);
    const report = await verifyChains(a.store, { streamName: stream });
    assert.deepEqual(report.breaks, []);
    assert.equal(report.events, 6);
    assert.ok(a.store.groupCommitStats.staleRetries + b.store.groupCommitStats.staleRetries > 0);

    // A stale expectation is still a conflict, not a retry.
    await assert.rejects(a.store.append(stream, [testEvent()], 3), WrongExpectedRevisionError);
    // Writers racing with `any` on one stream from two instances all land, chained.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a.store : b.store).append(stream, [testEvent({ race: i })], 'any'),
      ),
    );
    const after = await verifyChains(b.store, { streamName: stream });
    assert.deepEqual(after.breaks, []);
    assert.equal(after.events, 16);
  } finally {
    await a.store.close();
    await b.store.close();
    await server.stop();
  }
});
