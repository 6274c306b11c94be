import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gatewayStream, sessionStream, type SessionOpenedData } from '@portcullis/events';
import { openSqlEventStore, StoreUnavailableError, type EventStore } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { SessionRecorder, WriteAheadFailed } from './session-recorder.js';
import { AuditBacklog } from './audit-backlog.js';

/**
 * The recorder while its store is unreachable or hangs: a real PGlite store
 * behind a switch that makes appends fail at once (unreachable) or wait
 * (hung), as a store outage does to the port.
 */
const context = { actor: 'sp-test', gatewayInstance: 'gw-outage' };
const received = { protocol: 'postgres' as const, text: 'INSERT INTO t VALUES (1)', classification: {} };
const decision = {
  outcome: 'allow' as const,
  reasons: [],
  policyRevision: 'r',
  decisionId: 'd',
  evaluationMicros: 1,
};

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
    target: { name: 'db', protocol: 'postgres', labels: {} },
    protocol: 'postgres',
    clientAddress: '127.0.0.1',
    policyRevision: 'r',
  };
}

function outage(inner: EventStore) {
  let state: 'up' | 'down' | 'hung' = 'up';
  let wake = () => {};
  let hung = Promise.resolve();
  const wrapped: EventStore = Object.create(inner) as EventStore;
  wrapped.append = async (...args) => {
    if (state === 'down') throw new StoreUnavailableError('test store', new Error('connection refused'));
    await hung;
    return inner.append(...args);
  };
  return {
    store: wrapped,
    down: () => (state = 'down'),
    hang: () => {
      state = 'hung';
      hung = new Promise((resolve) => (wake = resolve));
    },
    up: () => {
      state = 'up';
      wake();
    },
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('SessionRecorder during a store outage (pglite)', () => {
  let dir: TempDir;
  let store: EventStore;
  before(async () => {
    dir = await tempDir('portcullis-audit-outage-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: dir.path })).store;
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  const types = async (id: string) =>
    (await store.readStream(sessionStream(id))).map((e) => [
      e.type,
      (e.data as { sequence?: number }).sequence,
    ]);

  it('a hung append refuses within the bound; the pair that lands late is followed by its CommandBlocked', async () => {
    const id = randomUUID();
    const faulty = outage(store);
    const recorder = await SessionRecorder.open(faulty.store, opened(id), context, { appendTimeoutMs: 200 });
    faulty.hang();
    const started = Date.now();
    const refusal = await recorder.decide(received, decision).catch((e: unknown) => e);
    assert.ok(refusal instanceof WriteAheadFailed && refusal.sequence === 1);
    assert.ok(Date.now() - started < 1_000, 'refused at the bound, not when the store answers');
    void recorder.blocked(1, { reason: 'audit store unavailable', errorCode: '42501' });
    faulty.up();
    await until(async () => (await types(id)).length === 4, 'the pair and the block are recorded');
    assert.deepEqual(await types(id), [
      ['SessionOpened', undefined],
      ['CommandReceived', 1],
      ['CommandDecided', 1],
      ['CommandBlocked', 1],
    ]);
  });

  it('a cancel ends the wait at once; appends queued behind a hung one never overtake it', async () => {
    const id = randomUUID();
    const faulty = outage(store);
    const recorder = await SessionRecorder.open(faulty.store, opened(id), context, {
      appendTimeoutMs: 10_000,
    });
    faulty.hang();
    const first = recorder.decide(received, decision).catch((e: unknown) => e);
    const cancel = new AbortController();
    const second = recorder.decide(received, decision, cancel.signal).catch((e: unknown) => e);
    cancel.abort();
    const started = Date.now();
    assert.ok((await second) instanceof WriteAheadFailed);
    assert.ok(Date.now() - started < 500);
    void recorder.blocked(2, { reason: 'audit store unavailable' });
    faulty.up();
    assert.equal(await first, 1, 'the first one was not cancelled and lands');
    await recorder.settled();
    await until(async () => (await types(id)).length === 6, 'everything recorded');
    assert.deepEqual(await types(id), [
      ['SessionOpened', undefined],
      ['CommandReceived', 1],
      ['CommandDecided', 1],
      ['CommandReceived', 2],
      ['CommandDecided', 2],
      ['CommandBlocked', 2],
    ]);
  });

  it('refusals and the close while the store is down are all recorded, in order, once it is back', async () => {
    const id = randomUUID();
    const faulty = outage(store);
    const recorder = await SessionRecorder.open(faulty.store, opened(id), context, { appendTimeoutMs: 200 });
    faulty.down();
    for (const sequence of [1, 2, 3]) {
      const refusal = await recorder.decide(received, decision).catch((e: unknown) => e);
      assert.ok(refusal instanceof WriteAheadFailed && refusal.sequence === sequence);
      void recorder.blocked(sequence, { reason: 'audit store unavailable' }).catch(() => undefined);
    }
    await assert.rejects(
      recorder.close({
        reason: 'client_disconnected',
        bytesFromClient: 0,
        bytesToClient: 0,
        durationMs: 1,
        commands: 3,
      }),
    );
    faulty.up();
    await until(
      async () => (await types(id)).at(-1)?.[0] === 'SessionClosed',
      'closed once the store is back',
    );
    assert.deepEqual(await types(id), [
      ['SessionOpened', undefined],
      ...[1, 2, 3].flatMap((s) => [
        ['CommandReceived', s],
        ['CommandDecided', s],
        ['CommandBlocked', s],
      ]),
      ['SessionClosed', undefined],
    ]);
  });

  it('what does not fit the backlog is counted: CommandsUnrecorded explains the gap', async () => {
    const id = randomUUID();
    const faulty = outage(store);
    const backlog = new AuditBacklog(4);
    const recorder = await SessionRecorder.open(faulty.store, opened(id), context, {
      appendTimeoutMs: 200,
      backlog,
    });
    faulty.down();
    for (const sequence of [1, 2, 3]) {
      await recorder.decide(received, decision).catch(() => undefined);
      void recorder.blocked(sequence, { reason: 'audit store unavailable' }).catch(() => undefined);
    }
    assert.ok(backlog.pending <= 4, `the backlog holds at most its capacity (${backlog.pending})`);
    faulty.up();
    await recorder.close({
      reason: 'test',
      bytesFromClient: 0,
      bytesToClient: 0,
      durationMs: 1,
      commands: 3,
    });
    const events = await store.readStream(sessionStream(id));
    const summary = events.find((e) => e.type === 'CommandsUnrecorded');
    assert.ok(summary, `a summary is recorded: ${events.map((e) => e.type).join(', ')}`);
    const data = summary.data as { commands: number; firstSequence: number; lastSequence: number };
    assert.ok(data.commands >= 1 && data.firstSequence >= 1 && data.lastSequence <= 3);
    assert.equal(events.at(-1)!.type, 'SessionClosed');
    assert.equal(backlog.pending, 0, 'the backlog is empty again');
  });

  it('a session rejected while the store is down is recorded when it is back; overflow is counted', async () => {
    const faulty = outage(store);
    const backlog = new AuditBacklog(2);
    faulty.down();
    const rejected = (sessionId: string) => ({
      sessionId,
      protocol: 'postgres' as const,
      targetName: 'db',
      clientAddress: '127.0.0.1',
      reason: 'store_unavailable',
      detail: 'the audit store is unavailable',
    });
    const [kept, alsoKept, counted] = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of [kept, alsoKept, counted])
      await SessionRecorder.reject(faulty.store, rejected(id), context, { appendTimeoutMs: 200, backlog });
    faulty.up();
    for (const id of [kept, alsoKept])
      await until(async () => (await store.readStream(sessionStream(id))).length === 1, 'the held ones land');
    assert.deepEqual(await store.readStream(sessionStream(counted)), []);
    await until(
      async () => (await store.readStream(gatewayStream(context.gatewayInstance))).length > 0,
      'the counted one is summarised',
    );
    const [summary] = await store.readStream(gatewayStream(context.gatewayInstance));
    assert.equal(summary!.type, 'SessionsUnrecorded');
    assert.deepEqual((summary!.data as { reasons: unknown }).reasons, { store_unavailable: 1 });
  });
});
