import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DomainEvent, Identity, Recorded } from '@portcullis/events';
import { openSqlEventStore, type EventStoreConfig, type OpenedEventStore } from '@portcullis/eventstore';
import { startPostgres, tempDir, type PostgresServer, type TempDir } from '@portcullis/test-support';
import { sessionsProjection } from '../projections/sessions.projection.js';
import { ListSessionsHandler } from './list-sessions.handler.js';
import { ListSessionsQuery } from './list-sessions.query.js';

/**
 * The sessions read model's time filter on both SQL stores: the sessions
 * live at some moment in [liveFrom, liveTo). The rows are made by the
 * projection itself, from events recorded at chosen times.
 */
const who: Identity = {
  subject: 'agent',
  issuer: 'https://issuer.test',
  app_id: 'agent',
  kind: 'service_principal',
  groups: [],
  roles: [],
};
const at = (hour: string) => `2026-12-01T${hour}:00.000Z`;

let revision = 0;
const recorded = (type: string, data: Record<string, unknown>, recordedAt: string) =>
  ({
    id: `e${++revision}`,
    type,
    schemaVersion: 1,
    data,
    metadata: {
      recordedAt,
      gatewayInstance: 'gw-test',
      actor: 'test',
      correlationId: String(data.sessionId),
    },
    streamName: `session-${String(data.sessionId)}`,
    revision,
    position: { commit: BigInt(revision), prepare: BigInt(revision) },
    hash: '',
  }) as unknown as Recorded<DomainEvent>;

const opened = (sessionId: string, when: string) =>
  recorded(
    'SessionOpened',
    {
      sessionId,
      identity: who,
      target: { name: 'prod-db', protocol: 'postgres', labels: {} },
      protocol: 'postgres',
      clientAddress: '127.0.0.1',
      policyRevision: 'rev-1',
    },
    when,
  );
const closed = (sessionId: string, when: string) =>
  recorded(
    'SessionClosed',
    {
      sessionId,
      reason: 'client_disconnected',
      bytesFromClient: 1,
      bytesToClient: 1,
      durationMs: 1,
      commands: 0,
    },
    when,
  );

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`the sessions list's time filter (${kind} store)`, () => {
    let dir: TempDir;
    let server: PostgresServer | undefined;
    let store: OpenedEventStore;
    let handler: ListSessionsHandler;

    before(async () => {
      dir = await tempDir('portcullis-sessions-list-');
      let config: EventStoreConfig = { kind: 'pglite', dataDir: dir.path };
      if (kind === 'postgres') {
        server = await startPostgres();
        config = { kind: 'postgres', url: server.url() };
      }
      store = await openSqlEventStore(config);
      handler = new ListSessionsHandler(store.db);
      // a: 10:00-11:00; b: opened 09:00, still open; c: rejected at 12:00; d: 13:00-14:00.
      for (const event of [
        opened('a', at('10:00')),
        closed('a', at('11:00')),
        opened('b', at('09:00')),
        recorded(
          'SessionRejected',
          {
            sessionId: 'c',
            protocol: 'postgres',
            targetName: 'prod-db',
            clientAddress: '127.0.0.1',
            reason: 'policy_denied',
            detail: 'no grant',
            identity: who,
          },
          at('12:00'),
        ),
        opened('d', at('13:00')),
        closed('d', at('14:00')),
      ]) {
        await store.db.transaction((tx) => sessionsProjection.apply(tx, event));
      }
    });
    after(async () => {
      await store?.store.close();
      await server?.stop();
      await dir?.remove();
    });

    const ids = async (filter: Omit<ConstructorParameters<typeof ListSessionsQuery>[0], 'limit'>) =>
      (await handler.execute(new ListSessionsQuery({ limit: 50, ...filter }))).items.map((s) => s.sessionId);

    it('keeps the sessions live at some moment in the window, newest first', async () => {
      assert.deepEqual(await ids({}), ['d', 'c', 'a', 'b']);
      // After a closed: the still-open b (opened long before) is in, a is not.
      assert.deepEqual(await ids({ liveFrom: at('11:30') }), ['d', 'c', 'b']);
      assert.deepEqual(await ids({ liveTo: at('10:30') }), ['a', 'b']);
      assert.deepEqual(await ids({ liveFrom: at('10:30'), liveTo: at('11:30') }), ['a', 'b']);
      // Bounds: closed exactly at from is in; opened exactly at to is out.
      assert.deepEqual(await ids({ liveFrom: at('14:00') }), ['d', 'b']);
      assert.deepEqual(await ids({ liveFrom: at('12:30'), liveTo: at('13:00') }), ['b']);
    });

    it('combines with the other filters and pages within the window', async () => {
      assert.deepEqual(await ids({ liveFrom: at('11:30'), status: 'closed' }), ['d']);
      const first = await handler.execute(new ListSessionsQuery({ limit: 1, liveFrom: at('11:30') }));
      assert.deepEqual(
        first.items.map((s) => s.sessionId),
        ['d'],
      );
      assert.ok(first.next);
      assert.deepEqual(await ids({ liveFrom: at('11:30'), before: first.next }), ['c', 'b']);
    });
  });
}
