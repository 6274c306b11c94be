/**
 * The event store contract: one suite, run against every adapter
 * (pglite, a real PostgreSQL server, and EventStoreDB when PORTCULLIS_ESDB_URL
 * is set). Adapters with extra guarantees pass capabilities to prove them.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  GENESIS_HASH,
  isPortcullisError,
  ErrorCode,
  type NewEvent,
  type RecordedEvent,
} from '@portcullis/events';
import type { EventStore, EventSubscription } from '../port.js';
import { WrongExpectedRevisionError, DuplicateEventError } from '../errors.js';
import { verifyChains } from '../verify-chains.js';

export interface ContractCapabilities {
  /**
   * Starts an append in a transaction that stays open until `commit()`, so a
   * test can interleave a faster append that commits first.
   */
  beginSlowAppend?: (streamName: string, events: readonly NewEvent[]) => Promise<{ commit(): Promise<void> }>;
  /** The store writes concurrent appends in shared transactions (position.commit is the transaction). */
  groupCommit?: boolean;
}

export interface OpenedStore {
  store: EventStore;
  cleanup(): Promise<void>;
}

export function testEvent(data: Record<string, unknown> = {}, type = 'CommandForwarded'): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data: { sessionId: 's', sequence: 1, ...data } as never,
    metadata: {
      $correlationId: 's',
      $causationId: null,
      actor: 'contract-test',
      gatewayInstance: 'test',
      recordedAt: new Date().toISOString(),
    },
  };
}

const events = (n: number, tag = 'e') =>
  Array.from({ length: n }, (_, i) => testEvent({ tag: `${tag}${i}` }));
const uniqueStream = (category = 'contract') => `${category}-${randomUUID()}`;

async function take(subscription: EventSubscription, n: number, timeoutMs = 5000): Promise<RecordedEvent[]> {
  const got: RecordedEvent[] = [];
  const iterator = subscription[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (got.length < n) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`subscription delivered ${got.length} of ${n} events within ${timeoutMs} ms`);
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), left).unref()),
    ]);
    if (next === 'timeout') continue;
    if (next.done) break;
    got.push(next.value);
  }
  return got;
}

function isConflict(error: unknown, actual: number): boolean {
  assert.ok(
    error instanceof WrongExpectedRevisionError,
    `expected WrongExpectedRevisionError, got ${String(error)}`,
  );
  assert.equal(error.code, ErrorCode.Concurrency);
  assert.equal(error.actual, actual);
  return true;
}

export function runEventStoreContract(
  name: string,
  open: () => Promise<OpenedStore>,
  capabilities: ContractCapabilities = {},
): void {
  describe(`event store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;
    before(async () => {
      opened = await open();
      store = opened.store;
    });
    after(async () => {
      await opened?.cleanup();
    });

    describe('expected revision', () => {
      test('no_stream: succeeds on a new stream, conflicts once it exists', async () => {
        const stream = uniqueStream();
        const first = await store.append(stream, events(2), 'no_stream');
        assert.equal(first.nextExpectedRevision, 1);
        await assert.rejects(store.append(stream, events(1), 'no_stream'), (e) => isConflict(e, 1));
      });

      test('stream_exists: conflicts on a new stream, succeeds once it exists', async () => {
        const stream = uniqueStream();
        await assert.rejects(store.append(stream, events(1), 'stream_exists'), (e) => isConflict(e, -1));
        await store.append(stream, events(1), 'any');
        const result = await store.append(stream, events(1), 'stream_exists');
        assert.equal(result.nextExpectedRevision, 1);
      });

      test('exact revision: succeeds when current, conflicts when stale', async () => {
        const stream = uniqueStream();
        const a = await store.append(stream, events(1), 'no_stream');
        const b = await store.append(stream, events(2), a.nextExpectedRevision);
        assert.equal(b.nextExpectedRevision, 2);
        await assert.rejects(store.append(stream, events(1), a.nextExpectedRevision), (e) =>
          isConflict(e, 2),
        );
        await assert.rejects(store.append(uniqueStream(), events(1), 0), (e) => isConflict(e, -1));
      });

      test('any: always appends', async () => {
        const stream = uniqueStream();
        await store.append(stream, events(1), 'any');
        const result = await store.append(stream, events(1), 'any');
        assert.equal(result.nextExpectedRevision, 1);
      });

      test('two writers racing on one stream: exactly one wins, the other gets the typed conflict', async () => {
        const stream = uniqueStream();
        const { nextExpectedRevision } = await store.append(stream, events(1), 'no_stream');
        const results = await Promise.allSettled([
          store.append(stream, events(1, 'w1-'), nextExpectedRevision),
          store.append(stream, events(1, 'w2-'), nextExpectedRevision),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(isConflict(loser.reason, 1));
        assert.equal((await store.readStream(stream)).length, 2);
      });
    });

    describe('idempotent append by event id', () => {
      test('repeating an append stores nothing new and returns the original result', async () => {
        const stream = uniqueStream();
        const batch = events(3);
        const first = await store.append(stream, batch, 'no_stream');
        // A retry after a lost reply carries the same ids and the same (now stale) expectation.
        const again = await store.append(stream, batch, 'no_stream');
        assert.equal(again.nextExpectedRevision, first.nextExpectedRevision);
        assert.deepEqual(again.position, first.position);
        assert.equal((await store.readStream(stream)).length, 3);
      });

      test('an append that overlaps stored ids only in part is refused', async () => {
        const stream = uniqueStream();
        const batch = events(2);
        await store.append(stream, batch, 'any');
        await assert.rejects(store.append(stream, [batch[1]!, testEvent()], 'any'), DuplicateEventError);
      });
    });

    describe('reading', () => {
      test('readStream forwards and backwards, from a revision, with a limit', async () => {
        const stream = uniqueStream();
        await store.append(stream, events(5), 'no_stream');
        const all = await store.readStream(stream);
        assert.deepEqual(
          all.map((e) => e.revision),
          [0, 1, 2, 3, 4],
        );
        assert.deepEqual(
          all.map((e) => (e.data as { tag: string }).tag),
          ['e0', 'e1', 'e2', 'e3', 'e4'],
        );
        const back = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        assert.deepEqual(
          back.map((e) => e.revision),
          [4, 3],
        );
        const mid = await store.readStream(stream, { fromRevision: 2, maxCount: 2 });
        assert.deepEqual(
          mid.map((e) => e.revision),
          [2, 3],
        );
        const midBack = await store.readStream(stream, { direction: 'backwards', fromRevision: 2 });
        assert.deepEqual(
          midBack.map((e) => e.revision),
          [2, 1, 0],
        );
        assert.deepEqual(await store.readStream(uniqueStream()), []);
      });

      test('recorded events carry what was appended plus revision, position, prevHash and hash', async () => {
        const stream = uniqueStream();
        const appended = testEvent({ text: 'select 1' });
        await store.append(stream, [appended], 'no_stream');
        const [recorded] = await store.readStream(stream);
        assert.ok(recorded);
        assert.equal(recorded.id, appended.id);
        assert.equal(recorded.type, appended.type);
        assert.equal(recorded.streamName, stream);
        assert.deepEqual(recorded.data, appended.data);
        assert.deepEqual(
          { ...recorded.metadata, prevHash: undefined },
          { ...appended.metadata, prevHash: undefined },
        );
        assert.equal(recorded.metadata.prevHash, GENESIS_HASH);
        assert.match(recorded.hash, /^[0-9a-f]{64}$/);
      });

      test('readAll forwards and backwards, from an exclusive position, with filters', async () => {
        const category = `ra${randomUUID().slice(0, 8)}`;
        const s1 = uniqueStream(category);
        const s2 = uniqueStream(category);
        await store.append(s1, events(2, 'a'), 'any');
        await store.append(s2, [testEvent({ tag: 'b0' }, 'CommandBlocked')], 'any');
        await store.append(s1, events(1, 'c'), 'any');

        const mine = await store.readAll({ filter: { streamPrefixes: [`${category}-`] } });
        assert.deepEqual(
          mine.map((e) => (e.data as { tag: string }).tag),
          ['a0', 'a1', 'b0', 'c0'],
        );
        const afterSecond = await store.readAll({
          from: mine[1]!.position,
          filter: { streamPrefixes: [`${category}-`] },
        });
        assert.deepEqual(
          afterSecond.map((e) => (e.data as { tag: string }).tag),
          ['b0', 'c0'],
        );
        const backwards = await store.readAll({
          direction: 'backwards',
          maxCount: 4,
          filter: { streamPrefixes: [`${category}-`] },
        });
        assert.deepEqual(
          backwards.map((e) => (e.data as { tag: string }).tag),
          ['c0', 'b0', 'a1', 'a0'],
        );
        const blocked = await store.readAll({
          filter: { streamPrefixes: [`${category}-`], eventTypes: ['CommandBlocked'] },
        });
        assert.deepEqual(
          blocked.map((e) => e.streamName),
          [s2],
        );
      });
    });

    describe('subscriptions', () => {
      test('catch-up turns live, and a new subscription resumes from a stored checkpoint', async () => {
        const category = `sub${randomUUID().slice(0, 8)}`;
        const filter = { streamPrefixes: [`${category}-`] };
        const stream = uniqueStream(category);
        await store.append(stream, events(3, 'old'), 'no_stream');

        let caughtUp = false;
        const first = store.subscribeToAll({ filter, onCaughtUp: () => (caughtUp = true) });
        const history = await take(first, 3);
        assert.deepEqual(
          history.map((e) => (e.data as { tag: string }).tag),
          ['old0', 'old1', 'old2'],
        );
        await store.append(stream, events(2, 'live'), 2);
        const live = await take(first, 2);
        assert.deepEqual(
          live.map((e) => (e.data as { tag: string }).tag),
          ['live0', 'live1'],
        );
        assert.equal(caughtUp, true);
        const subscriber = `contract-${category}`;
        await store.checkpoints.store(subscriber, live[0]!.position);
        await first.close();

        await store.append(stream, events(1, 'later'), 4);
        const checkpoint = await store.checkpoints.load(subscriber);
        assert.deepEqual(checkpoint, live[0]!.position);
        const resumed = store.subscribeToAll({ from: checkpoint!, filter });
        const rest = await take(resumed, 2);
        assert.deepEqual(
          rest.map((e) => (e.data as { tag: string }).tag),
          ['live1', 'later0'],
        );
        await resumed.close();
        await store.checkpoints.reset(subscriber);
        assert.equal(await store.checkpoints.load(subscriber), null);
      });

      test('a subscription from the end sees only new events', async () => {
        const category = `end${randomUUID().slice(0, 8)}`;
        const stream = uniqueStream(category);
        await store.append(stream, events(2, 'before'), 'any');
        const subscription = store.subscribeToAll({
          from: 'end',
          filter: { streamPrefixes: [`${category}-`] },
        });
        // Give the subscription time to resolve its start position.
        await new Promise((r) => setTimeout(r, 100));
        await store.append(stream, events(1, 'after'), 'any');
        const [first] = await take(subscription, 1);
        assert.equal((first!.data as { tag: string }).tag, 'after0');
        await subscription.close();
      });
    });

    describe('hash chain', () => {
      test('every stream stays a chain under concurrent appends to different streams', async () => {
        const category = `chain${randomUUID().slice(0, 8)}`;
        const streams = Array.from({ length: 12 }, () => uniqueStream(category));
        await Promise.all(
          streams.map(async (stream) => {
            let expected: number | 'no_stream' = 'no_stream';
            for (let i = 0; i < 6; i++) {
              expected = (await store.append(stream, events(1 + (i % 3)), expected)).nextExpectedRevision;
            }
          }),
        );
        for (const stream of streams) {
          const report = await verifyChains(store, { streamName: stream });
          assert.deepEqual(report.breaks, []);
          assert.equal(report.events, 12);
          const chain = await store.readStream(stream);
          chain.forEach((event, i) => {
            assert.equal(event.metadata.prevHash, i === 0 ? GENESIS_HASH : chain[i - 1]!.hash);
          });
        }
        const whole = await verifyChains(store);
        assert.deepEqual(whole.breaks, []);
      });
    });

    if (capabilities.groupCommit) {
      test('group commit: concurrent appends share transactions', async () => {
        const streams = Array.from({ length: 16 }, () => uniqueStream('group'));
        const results = await Promise.all(streams.map((s) => store.append(s, events(1), 'no_stream')));
        const transactions = new Set(results.map((r) => r.position.commit));
        assert.ok(transactions.size < streams.length, `16 appends used ${transactions.size} transactions`);
      });
    }

    if (capabilities.beginSlowAppend) {
      const beginSlowAppend = capabilities.beginSlowAppend;
      test('no event is skipped when a slower transaction commits an earlier position late', async () => {
        const category = `late${randomUUID().slice(0, 8)}`;
        const filter = { streamPrefixes: [`${category}-`] };
        const subscription = store.subscribeToAll({ from: 'end', filter });
        const received: RecordedEvent[] = [];
        const consuming = (async () => {
          for await (const event of subscription) received.push(event);
        })();
        await new Promise((r) => setTimeout(r, 100));

        // Slow takes its transaction id and global position first ...
        const slow = await beginSlowAppend(uniqueStream(category), [testEvent({ tag: 'slow' })]);
        // ... fast takes later ones and commits first.
        await store.append(uniqueStream(category), [testEvent({ tag: 'fast' })], 'no_stream');
        await new Promise((r) => setTimeout(r, 600)); // several poll intervals

        // Nothing may be delivered yet: delivering `fast` now would move the
        // subscriber past `slow`'s position before `slow` is visible.
        assert.equal(received.length, 0, 'delivered before the slow transaction committed');
        const visibleBefore = await store.readAll({ filter });
        assert.equal(visibleBefore.length, 0, 'readAll showed an event that the slow transaction precedes');

        await slow.commit();
        const deadline = Date.now() + 5000;
        while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await subscription.close();
        await consuming;
        assert.deepEqual(
          received.map((e) => (e.data as { tag: string }).tag),
          ['slow', 'fast'],
        );
        assert.ok(received[0]!.position.prepare < received[1]!.position.prepare);
      });
    }

    test('errors are ours, never the vendor’s', async () => {
      await assert.rejects(store.append('', [], 'any'), (e) => isPortcullisError(e, ErrorCode.Validation));
    });
  });
}
