import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres } from '@portcullis/test-support';
import { openSqlEventStore } from './open-event-store.js';
import { verifyChains } from './verify-chains.js';
import { testEvent } from './contract/event-store-contract.js';

test('verifyChains names the first broken link after an event is edited in the database', async () => {
  const server = await startPostgres();
  const { store, db } = await openSqlEventStore({ kind: 'postgres', url: server.url() });
  try {
    for (const id of ['a', 'b']) {
      let expected: number | 'no_stream' = 'no_stream';
      for (let i = 0; i < 4; i++) {
        expected = (await store.append(`session-${id}`, [testEvent({ text: `select ${i}` })], expected))
          .nextExpectedRevision;
      }
    }
    assert.deepEqual((await verifyChains(store)).breaks, []);
    // Bounded: stops at maxEvents and says the rest was not checked; a bound past the end says nothing.
    const bounded = await verifyChains(store, { maxEvents: 5, pageSize: 2 });
    assert.deepEqual([bounded.events, bounded.truncated], [5, true]);
    const whole = await verifyChains(store, { maxEvents: 8, pageSize: 3 });
    assert.deepEqual([whole.events, whole.truncated], [8, undefined]);
    const oneStream = await verifyChains(store, { streamName: 'session-a', maxEvents: 3 });
    assert.deepEqual([oneStream.events, oneStream.truncated], [3, true]);

    // An operator with database access rewrites a statement after the fact.
    await db.query(
      `UPDATE portcullis_events SET data = jsonb_set(data, '{text}', '"select 42"')
        WHERE stream_name = 'session-b' AND stream_revision = 2`,
    );
    const report = await verifyChains(store);
    assert.equal(report.streams, 2);
    assert.equal(report.events, 8);
    assert.equal(report.breaks.length, 1);
    assert.deepEqual(
      {
        stream: report.breaks[0]!.streamName,
        revision: report.breaks[0]!.revision,
        problem: report.breaks[0]!.problem,
      },
      { stream: 'session-b', revision: 2, problem: 'hash_mismatch' },
    );

    // Rewriting the stored hash too only moves the break to the next link.
    const [row] = (
      await db.query<{ hash: string }>(
        `SELECT hash FROM portcullis_events WHERE stream_name = 'session-b' AND stream_revision = 2`,
      )
    ).rows;
    const [edited] = await store.readStream('session-b', { fromRevision: 2, maxCount: 1 });
    const { hashEvent } = await import('@portcullis/events');
    const rehashed = hashEvent(edited!);
    assert.notEqual(rehashed, row!.hash);
    await db.query(
      `UPDATE portcullis_events SET hash = $1 WHERE stream_name = 'session-b' AND stream_revision = 2`,
      [rehashed],
    );
    const after = await verifyChains(store, { streamName: 'session-b' });
    assert.deepEqual(
      after.breaks.map((b) => [b.revision, b.problem]),
      [[3, 'prev_hash_mismatch']],
    );
  } finally {
    await store.close();
    await server.stop();
  }
});
