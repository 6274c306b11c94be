import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runApprovalCommand } from '@portcullis/session';
import {
  approvalStream,
  type ApprovalRequestedData,
  type DomainEvent,
  type Recorded,
} from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { firstValueFrom, Subject, toArray, take, timeout, type Observable } from 'rxjs';
import type { ICommand, IEvent } from '@nestjs/cqrs';
import { createLogger } from '../logging/logger.js';
import { StoredEvent } from '../events/store-event-bridge.js';
import { ApprovalExpirySaga } from './approval-expiry.saga.js';
import { ExpireApprovalCommand } from './commands/approval-commands.js';

/**
 * The expiry saga as a mapping from stored events to ExpireApproval
 * commands, fed by hand, and its timers rebuilt from a real PGlite store.
 */
const requester = {
  subject: 'agent',
  issuer: 'https://issuer.test',
  kind: 'service_principal' as const,
  groups: [],
  roles: [],
};

function requested(approvalId: string, inMs: number): ApprovalRequestedData {
  return {
    approvalId,
    scope: 'command',
    sessionId: 's',
    sequence: 1,
    requester,
    targetName: 'prod-db',
    text: 'DELETE FROM t',
    reason: 'unbounded delete',
    approverGroups: ['dba-oncall'],
    minApprovals: 1,
    expiresAt: new Date(Date.now() + inMs).toISOString(),
  };
}

function stored(type: string, approvalId: string, data: unknown): StoredEvent {
  return new StoredEvent({
    type,
    data,
    streamName: approvalStream(approvalId),
  } as unknown as Recorded<DomainEvent>);
}

describe('ApprovalExpirySaga', () => {
  let dir: TempDir;
  let store: EventStore;
  before(async () => {
    dir = await tempDir('portcullis-expiry-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: dir.path })).store;
  });
  after(async () => {
    await store.close();
    await dir.remove();
  });

  const saga = () => new ApprovalExpirySaga(store, createLogger('silent', 'test'));

  it('expires an approval nobody decided, once; an approval decided in time is left alone', async () => {
    const events = new Subject<IEvent>();
    const commands: Observable<ICommand> = saga().expireApprovals(events);
    const [late, decided] = [randomUUID(), randomUUID()];
    const emitted = firstValueFrom(commands.pipe(take(1), toArray(), timeout(2_000)));
    events.next(stored('ApprovalRequested', decided, requested(decided, 100)));
    events.next(stored('ApprovalRequested', late, requested(late, 150)));
    events.next(stored('ApprovalRequested', late, requested(late, 150))); // delivered twice: one timer
    events.next(stored('ApprovalGranted', decided, { approvalId: decided }));
    const [command] = await emitted;
    assert.ok(command instanceof ExpireApprovalCommand);
    assert.equal(command.approvalId, late);
  });

  it('rebuilds the timers of approvals still pending from the store at start', async () => {
    const [pending, granted] = [randomUUID(), randomUUID()];
    const writer = { actor: 'test', gatewayInstance: 'gw-test' };
    await runApprovalCommand(store, pending, { kind: 'request', request: requested(pending, 100) }, writer);
    await runApprovalCommand(store, granted, { kind: 'request', request: requested(granted, 100) }, writer);
    await runApprovalCommand(
      store,
      granted,
      { kind: 'grant', by: { subject: 'alice', issuer: 'https://issuer.test', groups: ['dba-oncall'] } },
      writer,
    );
    const restarted = saga();
    const commands = restarted.expireApprovals(new Subject<IEvent>());
    const emitted = firstValueFrom(commands.pipe(take(1), timeout(3_000)));
    await restarted.onApplicationBootstrap();
    const command = (await emitted) as ExpireApprovalCommand;
    assert.equal(command.approvalId, pending);
  });
});
