import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sessionStream, type SessionOpenedData } from '@portcullis/events';
import { openSqlEventStore, WrongExpectedRevisionError, type EventStore } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { FLUSH_AFTER_MS, SessionRecorder, WriteAheadFailed } from './session-recorder.js';
import { AuditBuffer, AuditBufferFullError } from './audit-buffer.js';

const context = { actor: 'sp-test', gatewayInstance: 'gw-test' };

function opened(sessionId: string): SessionOpenedData {
  return {
    sessionId,
    identity: {
      subject: 'sp-test',
      issuer: 'https://issuer.test',
      kind: 'service_principal',
      groups: [],
      roles: [],
    },
    target: { name: 'db', protocol: 'postgres', labels: { env: 'test' } },
    protocol: 'postgres',
    clientAddress: '127.0.0.1',
    policyRevision: 'rev-1',
  };
}

const decision = {
  outcome: 'allow' as const,
  reasons: [],
  policyRevision: 'rev-1',
  decisionId: 'd-1',
  evaluationMicros: 12,
};

describe('SessionRecorder on a real store (pglite)', () => {
  let dir: TempDir;
  let store: EventStore;
  before(async () => {
    dir = await tempDir('portcullis-audit-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: dir.path })).store;
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  it('writes one session in order, numbering commands from 1, even without awaiting', async () => {
    const id = randomUUID();
    const recorder = await SessionRecorder.open(store, opened(id), context);
    const first = await recorder.decide(
      { protocol: 'postgres', text: 'SELECT 1', classification: {} },
      decision,
    );
    // Not awaited on purpose: the chain must keep the order.
    void recorder.forwarded(first);
    void recorder.completed(first, { rows: 1, durationMs: 1, commandTag: 'SELECT 1' });
    const second = await recorder.decide(
      { protocol: 'postgres', text: 'DROP TABLE t', classification: {} },
      { ...decision, outcome: 'deny', reasons: ['no drops'] },
    );
    void recorder.blocked(second, { reason: 'no drops', errorCode: '42501' });
    await recorder.close({
      reason: 'client_disconnected',
      bytesFromClient: 10,
      bytesToClient: 20,
      durationMs: 5,
      commands: 2,
    });

    assert.deepEqual([first, second], [1, 2]);
    assert.equal(recorder.commands, 2);
    const events = await store.readStream(sessionStream(id));
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as { sequence?: number }).sequence]),
      [
        ['SessionOpened', undefined],
        ['CommandReceived', 1],
        ['CommandDecided', 1],
        ['CommandForwarded', 1],
        ['CommandCompleted', 1],
        ['CommandReceived', 2],
        ['CommandDecided', 2],
        ['CommandBlocked', 2],
        ['SessionClosed', undefined],
      ],
    );
    // Received and Decided of one command are one append: adjacent revisions, same transaction.
    assert.deepEqual(events[1]!.position.commit, events[2]!.position.commit);
    assert.equal(events[2]!.metadata.$causationId, events[1]!.id);
    assert.ok(events.every((e) => e.metadata.$correlationId === id));
  });

  it('refuses a second writer: the stale one gets WrongExpectedRevisionError, and decide rejects', async () => {
    const id = randomUUID();
    const recorder = await SessionRecorder.open(store, opened(id), context);
    await assert.rejects(SessionRecorder.open(store, opened(id), context), WrongExpectedRevisionError);
    // Someone else appends to our stream: our next write-ahead append must fail, not interleave.
    const foreign = (await store.readStream(sessionStream(id)))[0]!;
    await store.append(
      sessionStream(id),
      [
        {
          id: randomUUID(),
          type: 'SessionClosed',
          schemaVersion: 1,
          data: { ...(foreign.data as object) },
          metadata: foreign.metadata,
        },
      ],
      0,
    );
    await assert.rejects(
      recorder.decide({ protocol: 'postgres', text: 'SELECT 1', classification: {} }, decision),
      (error: unknown) =>
        error instanceof WriteAheadFailed &&
        error.sequence === 1 &&
        error.cause instanceof WrongExpectedRevisionError,
    );
  });

  it('rejects a session with one SessionRejected event', async () => {
    const id = randomUUID();
    await SessionRecorder.reject(
      store,
      {
        sessionId: id,
        protocol: 'postgres',
        targetName: 'db',
        clientAddress: '127.0.0.1',
        reason: 'expired',
        detail: 'token expired',
      },
      context,
    );
    const events = await store.readStream(sessionStream(id));
    assert.deepEqual(
      events.map((e) => e.type),
      ['SessionRejected'],
    );
  });

  it('fails the write-ahead append when the store is closed (the proxy then refuses)', async () => {
    const own = await tempDir('portcullis-audit-closed-');
    const closing = (await openSqlEventStore({ kind: 'pglite', dataDir: own.path })).store;
    try {
      const recorder = await SessionRecorder.open(closing, opened(randomUUID()), context);
      await closing.close();
      await assert.rejects(
        recorder.decide({ protocol: 'postgres', text: 'SELECT 1', classification: {} }, decision),
      );
    } finally {
      await own.remove();
    }
  });

  it('carries after-the-fact events in the next write-ahead append: one commit per command', async () => {
    const id = randomUUID();
    const recorder = await SessionRecorder.open(store, opened(id), context);
    const received = { protocol: 'postgres' as const, text: 'select 1', classification: {} };
    const first = await recorder.decide(received, decision);
    void recorder.forwarded(first);
    void recorder.completed(first, { rows: 1, durationMs: 1, commandTag: 'SELECT 1' });
    await recorder.decide(received, decision);
    const events = await store.readStream(sessionStream(id));
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'SessionOpened',
        'CommandReceived',
        'CommandDecided',
        'CommandForwarded',
        'CommandCompleted',
        'CommandReceived',
        'CommandDecided',
      ],
    );
    // The second command's write-ahead append also carried the first one's outcome: one transaction.
    const commits = new Set(events.slice(3).map((e) => e.position.commit));
    assert.equal(commits.size, 1);
    await recorder.close({
      reason: 'test',
      bytesFromClient: 0,
      bytesToClient: 0,
      durationMs: 1,
      commands: 2,
    });
  });

  it('flushes after-the-fact events on their own within FLUSH_AFTER_MS when no command follows', async () => {
    const id = randomUUID();
    const recorder = await SessionRecorder.open(store, opened(id), context);
    const sequence = await recorder.decide(
      { protocol: 'postgres', text: 'select 1', classification: {} },
      decision,
    );
    const started = Date.now();
    await recorder.completed(sequence, { rows: 1, durationMs: 1 });
    assert.ok(Date.now() - started < FLUSH_AFTER_MS + 1000);
    const types = (await store.readStream(sessionStream(id))).map((e) => e.type);
    assert.equal(types.at(-1), 'CommandCompleted');
  });
});

describe('SessionRecorder in async audit mode (pglite)', () => {
  let dir: TempDir;
  let store: EventStore;
  before(async () => {
    dir = await tempDir('portcullis-audit-async-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: dir.path })).store;
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  /** The real store, with appends that can be held (a slow or unreachable store). */
  function holdable(inner: EventStore) {
    let hold: Promise<void> | undefined;
    let releaseHold = () => {};
    const wrapped: EventStore = Object.create(inner) as EventStore;
    wrapped.append = async (...args) => {
      await hold;
      return inner.append(...args);
    };
    return {
      store: wrapped,
      holdAppends() {
        hold = new Promise((resolve) => (releaseHold = resolve));
      },
      releaseAppends() {
        releaseHold();
        hold = undefined;
      },
    };
  }

  it('answers decide before the pair is durable, then makes it durable in order', async () => {
    const id = randomUUID();
    const gated = holdable(store);
    const buffer = new AuditBuffer(100);
    const recorder = await SessionRecorder.open(gated.store, opened(id), context, {
      mode: { kind: 'async', buffer },
    });
    gated.holdAppends();
    const received = { protocol: 'postgres' as const, text: 'select 1', classification: {} };
    assert.equal(await recorder.decide(received, decision), 1);
    assert.equal(await recorder.decide(received, decision), 2);
    assert.equal(buffer.pending, 4, 'four events accepted, none durable yet');
    assert.deepEqual(
      (await store.readStream(sessionStream(id))).map((e) => e.type),
      ['SessionOpened'],
    );
    gated.releaseAppends();
    await recorder.settled();
    assert.equal(buffer.pending, 0);
    const events = await store.readStream(sessionStream(id));
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as { sequence?: number }).sequence]),
      [
        ['SessionOpened', undefined],
        ['CommandReceived', 1],
        ['CommandDecided', 1],
        ['CommandReceived', 2],
        ['CommandDecided', 2],
      ],
    );
  });

  it('refuses a command when the buffer is full, and takes commands again once the store catches up', async () => {
    const id = randomUUID();
    const gated = holdable(store);
    const buffer = new AuditBuffer(4);
    const recorder = await SessionRecorder.open(gated.store, opened(id), context, {
      mode: { kind: 'async', buffer },
    });
    gated.holdAppends();
    const received = { protocol: 'postgres' as const, text: 'select 1', classification: {} };
    await recorder.decide(received, decision);
    await recorder.decide(received, decision);
    await assert.rejects(recorder.decide(received, decision), AuditBufferFullError);
    gated.releaseAppends();
    await recorder.settled();
    assert.equal(await recorder.decide(received, decision), 4, 'the refused command kept its number');
    await recorder.settled();
  });
});
