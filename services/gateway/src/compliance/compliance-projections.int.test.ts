import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  comparePositions,
  parsePosition,
  toNewEvent,
  type DomainEvent,
  type Identity,
  type SessionEvent,
} from '@portcullis/events';
import { openSqlEventStore, type EventStoreConfig, type OpenedEventStore } from '@portcullis/eventstore';
import { startPostgres, tempDir, type PostgresServer, type TempDir } from '@portcullis/test-support';
import { createLogger } from '../logging/logger.js';
import { projectionChecksums } from '../projections/checksums.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { projections } from '../projections/projections.service.js';
import {
  ApprovalServiceLevelsHandler,
  ListCommandsHandler,
  ListIdentitiesHandler,
  ListSensitiveAccessHandler,
} from './queries/compliance.handlers.js';
import {
  ApprovalServiceLevelsQuery,
  ListCommandsQuery,
  ListIdentitiesQuery,
  ListSensitiveAccessQuery,
} from './queries/compliance.queries.js';

/**
 * The compliance projections on both SQL stores (embedded PGlite and a real
 * PostgreSQL server): built live while sessions' events are appended, read
 * through the query handlers with filters and cursors, then rebuilt from the
 * events: every projection's tables have the same row checksums as live.
 */
const log = createLogger('silent', 'test');
const ISSUER = 'https://issuer.test';

const identity = (appId: string): Identity => ({
  subject: appId,
  issuer: ISSUER,
  app_id: appId,
  kind: 'service_principal',
  groups: ['agents'],
  roles: [],
  tenant_id: 'tenant-1',
});

/** A session's events: allowed + masked, denied, reviewed then allowed, a shell command on SSH. */
function sessionEvents(sessionId: string, who: Identity, target: string, protocol: 'postgres' | 'ssh') {
  const events: SessionEvent[] = [
    {
      type: 'SessionOpened',
      data: {
        sessionId,
        identity: who,
        target: { name: target, protocol, labels: { env: 'production' } },
        protocol,
        clientAddress: '127.0.0.1',
        policyRevision: 'rev-1',
      },
    },
  ];
  const decided = (sequence: number, outcome: 'allow' | 'deny' | 'review', approvalId?: string) =>
    ({
      type: 'CommandDecided',
      data: {
        sessionId,
        sequence,
        outcome,
        reasons: outcome === 'allow' ? [] : [`${outcome} by test`],
        policyRevision: 'rev-1',
        decisionId: randomUUID(),
        evaluationMicros: 10,
        ...(approvalId ? { approvalId } : {}),
      },
    }) as const;
  if (protocol === 'ssh') {
    events.push(
      {
        type: 'CommandReceived',
        data: {
          sessionId,
          sequence: 1,
          protocol,
          text: 'uptime',
          classification: { protocol: 'ssh', program: 'uptime', sudo: false, argv: ['uptime'] },
        },
      },
      decided(1, 'allow'),
      { type: 'CommandForwarded', data: { sessionId, sequence: 1 } },
      { type: 'CommandCompleted', data: { sessionId, sequence: 1, rows: null, durationMs: 3 } },
    );
    return events;
  }
  const select = {
    statements: [{ kind: 'select', objects: ['public.payments'], writes: false }],
    columns_read: ['public.payments.iban', 'public.payments.note'],
  };
  events.push(
    {
      type: 'CommandReceived',
      data: {
        sessionId,
        sequence: 1,
        protocol,
        text: 'SELECT iban, note FROM payments',
        classification: select,
      },
    },
    decided(1, 'allow'),
    { type: 'CommandForwarded', data: { sessionId, sequence: 1 } },
    {
      type: 'ResultMasked',
      data: {
        sessionId,
        sequence: 1,
        columns: [
          { column: 'public.payments.iban', method: 'partial', count: 2 },
          { column: 'note', method: 'redact', detector: 'email', count: 1 },
        ],
      },
    },
    {
      type: 'CommandCompleted',
      data: { sessionId, sequence: 1, rows: 2, durationMs: 1.5, commandTag: 'SELECT 2' },
    },
    {
      type: 'CommandReceived',
      data: {
        sessionId,
        sequence: 2,
        protocol,
        text: 'DROP TABLE payments',
        classification: {
          statements: [{ kind: 'drop', objects: ['public.payments'], writes: true }],
          columns_read: [],
        },
      },
    },
    decided(2, 'deny'),
    { type: 'CommandBlocked', data: { sessionId, sequence: 2, reason: 'deny by test', errorCode: '42501' } },
    {
      type: 'CommandReceived',
      data: {
        sessionId,
        sequence: 3,
        protocol,
        text: 'DELETE FROM payments',
        classification: {
          statements: [{ kind: 'delete', objects: ['public.payments'], writes: true }],
          columns_read: [],
        },
      },
    },
    decided(3, 'review', `appr-${sessionId}`),
    decided(3, 'allow', `appr-${sessionId}`),
    { type: 'CommandForwarded', data: { sessionId, sequence: 3 } },
    {
      type: 'CommandCompleted',
      data: { sessionId, sequence: 3, rows: 2, durationMs: 4, commandTag: 'DELETE 2' },
    },
    {
      type: 'SessionClosed',
      data: {
        sessionId,
        reason: 'client_closed',
        bytesFromClient: 10,
        bytesToClient: 20,
        durationMs: 50,
        commands: 3,
      },
    },
  );
  return events;
}

function approvalEvents(
  approvalId: string,
  sessionId: string,
  who: Identity,
  target: string,
  grant: boolean,
) {
  const requested: DomainEvent = {
    type: 'ApprovalRequested',
    data: {
      approvalId,
      scope: 'command',
      sessionId,
      sequence: 3,
      requester: who,
      targetName: target,
      text: 'DELETE FROM payments',
      reason: 'unbounded write',
      approverGroups: ['dba-oncall'],
      minApprovals: 1,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    },
  };
  const approver = { subject: 'dba', issuer: ISSUER };
  const decision: DomainEvent = grant
    ? { type: 'ApprovalGranted', data: { approvalId, approver } }
    : { type: 'ApprovalDenied', data: { approvalId, approver } };
  return [requested, decision];
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`compliance read models (${kind} store)`, () => {
    let dir: TempDir;
    let server: PostgresServer | undefined;
    let opened: OpenedEventStore;
    let runners: ProjectionRunner[];

    before(async () => {
      dir = await tempDir('portcullis-compliance-');
      let config: EventStoreConfig = { kind: 'pglite', dataDir: dir.path };
      if (kind === 'postgres') {
        server = await startPostgres();
        config = { kind: 'postgres', url: server.url() };
      }
      opened = await openSqlEventStore(config);
      runners = projections.map((p) => new ProjectionRunner(p, opened.store, opened.db, log));
      for (const r of runners) await r.start();
    });
    after(async () => {
      for (const r of runners ?? []) await r.stop();
      await opened?.store.close();
      await server?.stop();
      await dir?.remove();
    });

    const context = (correlationId: string) => ({ correlationId, actor: 'test', gatewayInstance: 'gw-test' });
    /** Every runner has applied the last stored event of its types (a just-appended event may not be visible at once). */
    const live = async () => {
      const events = await opened.store.readAll({ maxCount: 100_000 });
      const deadline = Date.now() + 20_000;
      for (const [i, p] of projections.entries()) {
        const last = events.filter((e) => p.eventTypes.includes(e.type)).at(-1);
        if (!last) continue;
        for (;;) {
          const { position } = runners[i]!.snapshot();
          if (position !== null && comparePositions(parsePosition(position), last.position) >= 0) break;
          assert.ok(Date.now() < deadline, `${p.name}: ${JSON.stringify(runners[i]!.snapshot())}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };

    it('builds live, answers filtered and paged queries, and rebuilds to the same checksums', async () => {
      const agentA = identity('agent-a');
      const agentB = identity('agent-b');
      const sessions = [
        { id: randomUUID(), who: agentA, target: 'prod-db', protocol: 'postgres' as const },
        { id: randomUUID(), who: agentB, target: 'prod-db', protocol: 'postgres' as const },
        { id: randomUUID(), who: agentA, target: 'staging-db', protocol: 'postgres' as const },
        { id: randomUUID(), who: agentA, target: 'prod-host', protocol: 'ssh' as const },
      ];
      // Appended in rounds while the projections run: built live, not in one catch-up.
      for (const [i, s] of sessions.entries()) {
        const events = sessionEvents(s.id, s.who, s.target, s.protocol);
        const half = Math.ceil(events.length / 2);
        await opened.store.append(
          `session-${s.id}`,
          events.slice(0, half).map((e) => toNewEvent(e, context(s.id))),
          'no_stream',
        );
        if (s.protocol === 'postgres') {
          await opened.store.append(
            `approval-appr-${s.id}`,
            approvalEvents(`appr-${s.id}`, s.id, s.who, s.target, i !== 1).map((e) =>
              toNewEvent(e, context(s.id)),
            ),
            'no_stream',
          );
        }
        await opened.store.append(
          `session-${s.id}`,
          events.slice(half).map((e) => toNewEvent(e, context(s.id))),
          'any',
        );
        await new Promise((r) => setTimeout(r, 30));
      }
      const rejectedId = randomUUID();
      await opened.store.append(
        `session-${rejectedId}`,
        [
          toNewEvent(
            {
              type: 'SessionRejected',
              data: {
                sessionId: rejectedId,
                protocol: 'postgres',
                targetName: 'prod-db',
                clientAddress: '127.0.0.1',
                reason: 'policy_denied',
                detail: 'no grant',
                identity: agentB,
              },
            },
            context(rejectedId),
          ),
        ],
        'no_stream',
      );
      await live();

      const commands = new ListCommandsHandler(opened.db);
      const all = await commands.execute(new ListCommandsQuery({}, { limit: 500 }));
      const mine = <T extends { sessionId: string }>(items: T[]) =>
        items.filter((c) => sessions.some((s) => s.id === c.sessionId));
      assert.equal(mine(all.items).length, 10, '3 + 3 + 3 statements and 1 shell command');
      const first = all.items.find((c) => c.sessionId === sessions[0]!.id && c.sequence === 1)!;
      assert.deepEqual(
        {
          subject: first.subject,
          appId: first.appId,
          tenantId: first.tenantId,
          target: first.targetName,
          outcome: first.outcome,
          status: first.status,
          rows: first.rows,
          maskedValues: first.maskedValues,
          masks: first.masks.map((m) => `${m.column}:${m.method}:${m.count}`),
          kinds: first.classification.kinds,
        },
        {
          subject: 'agent-a',
          appId: 'agent-a',
          tenantId: 'tenant-1',
          target: 'prod-db',
          outcome: 'allow',
          status: 'completed',
          rows: 2,
          maskedValues: 3,
          masks: ['public.payments.iban:partial:2', 'note:redact:1'],
          kinds: ['select'],
        },
      );
      const reviewed = all.items.find((c) => c.sessionId === sessions[0]!.id && c.sequence === 3)!;
      assert.equal(reviewed.outcome, 'allow', 'the decision after the review');
      assert.equal(reviewed.approvalId, `appr-${sessions[0]!.id}`);
      const denied = await commands.execute(
        new ListCommandsQuery({ identity: 'agent-a', outcome: 'deny' }, { limit: 500 }),
      );
      assert.deepEqual(
        mine(denied.items).map((c) => [c.text, c.status, c.errorCode]),
        [
          ['DROP TABLE payments', 'blocked', '42501'],
          ['DROP TABLE payments', 'blocked', '42501'],
        ],
      );
      const onProd = await commands.execute(new ListCommandsQuery({ target: 'prod-host' }, { limit: 500 }));
      assert.deepEqual(
        mine(onProd.items).map((c) => [c.protocol, c.text]),
        [['ssh', 'uptime']],
      );
      const future = await commands.execute(
        new ListCommandsQuery({ from: new Date(Date.now() + 60_000).toISOString() }, { limit: 500 }),
      );
      assert.equal(future.items.length, 0, 'nothing received after the time range starts');

      // Cursor pages: every row once, in the same order as one big page.
      const walked: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await commands.execute(
          new ListCommandsQuery({}, { limit: 3, ...(cursor ? { cursor } : {}) }),
        );
        assert.ok(page.items.length <= 3);
        walked.push(...page.items.map((c) => c.position));
        cursor = page.next ?? undefined;
      } while (cursor);
      assert.deepEqual(
        walked,
        all.items.map((c) => c.position),
      );

      const identities = await new ListIdentitiesHandler(opened.db).execute(
        new ListIdentitiesQuery({}, { limit: 500 }),
      );
      const a = identities.items.find((i) => i.subject === 'agent-a')!;
      const b = identities.items.find((i) => i.subject === 'agent-b')!;
      assert.deepEqual(
        [a.sessions, a.commands, a.denials, a.reviews, a.maskedValues, a.targets.map((t) => t.targetName)],
        [3, 7, 2, 2, 6, ['prod-db', 'prod-host', 'staging-db']],
      );
      assert.deepEqual([b.sessions, b.sessionsRejected, b.commands, b.denials], [1, 1, 3, 1]);
      const reachedHost = await new ListIdentitiesHandler(opened.db).execute(
        new ListIdentitiesQuery({ target: 'prod-host' }, { limit: 500 }),
      );
      assert.deepEqual(
        reachedHost.items.map((i) => i.subject),
        ['agent-a'],
      );

      const access = await new ListSensitiveAccessHandler(opened.db).execute(
        new ListSensitiveAccessQuery({ identity: 'agent-b' }, { limit: 1 }),
      );
      assert.equal(access.items[0]!.column, 'public.payments.iban');
      assert.ok(access.next, 'a second page');
      const second = await new ListSensitiveAccessHandler(opened.db).execute(
        new ListSensitiveAccessQuery({ identity: 'agent-b' }, { limit: 1, cursor: access.next }),
      );
      assert.deepEqual(
        [second.items[0]!.column, second.items[0]!.detector, second.next],
        ['note', 'email', null],
      );

      const levels = await new ApprovalServiceLevelsHandler(opened.db).execute(
        new ApprovalServiceLevelsQuery({}),
      );
      const prod = levels.items.find((l) => l.approverGroup === 'dba-oncall' && l.targetName === 'prod-db')!;
      assert.deepEqual([prod.requested, prod.granted, prod.denied], [2, 1, 1]);
      assert.ok(prod.p50Ms !== null && prod.p50Ms >= 0);

      // Rebuilt from the events: identical tables.
      const liveSums = new Map<string, unknown>();
      for (const p of projections) liveSums.set(p.name, await projectionChecksums(opened.db, p));
      for (const r of runners) await r.rebuild();
      await live();
      for (const p of projections) {
        const rebuilt = await projectionChecksums(opened.db, p);
        assert.deepEqual(rebuilt, liveSums.get(p.name), `${p.name} rebuilt differs from live`);
        assert.ok(
          rebuilt.every((t) => t.rows > 0),
          `${p.name}: every table has rows (${JSON.stringify(rebuilt)})`,
        );
      }
    });
  });
}
