import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { approvalStream, type Identity } from '@portcullis/events';
import { openSqlEventStore, type EventStore } from '@portcullis/eventstore';
import { tempDir, type TempDir } from '@portcullis/test-support';
import { runApprovalCommand } from './approval-stream.js';
import { StoreApprovalGate, type ApprovalRequest } from './approval-gate.js';

const ISSUER = 'https://issuer.test';
const requester: Identity = {
  subject: 'agent',
  issuer: ISSUER,
  app_id: 'app-agent',
  kind: 'service_principal',
  groups: [],
  roles: [],
};
const approver = { subject: 'alice', issuer: ISSUER, groups: ['dba-oncall'] };
const writer = { actor: 'alice', gatewayInstance: 'gw-b' };

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    scope: 'command',
    sessionId: 'session-1',
    sequence: 1,
    requester,
    targetName: 'prod-db',
    text: 'create table t (id int)',
    reason: 'create needs approval',
    approverGroups: ['dba-oncall'],
    minApprovals: 1,
    ttlSeconds: 60,
    ...overrides,
  };
}

describe('StoreApprovalGate on a real store (pglite)', () => {
  let dir: TempDir;
  let store: EventStore;
  let gate: StoreApprovalGate;
  before(async () => {
    dir = await tempDir('portcullis-approvals-');
    store = (await openSqlEventStore({ kind: 'pglite', dataDir: dir.path })).store;
    gate = await StoreApprovalGate.start({ store, gatewayInstance: 'gw-a' });
  });
  after(async () => {
    await gate.close();
    await store.close();
    await dir.remove();
  });

  it('records the request durably, then releases the waiter when a grant is appended by someone else', async () => {
    const pending = await gate.request(request());
    const stored = await store.readStream(approvalStream(pending.approvalId));
    assert.deepEqual(
      stored.map((e) => e.type),
      ['ApprovalRequested'],
    );
    const result = await runApprovalCommand(
      store,
      pending.approvalId,
      { kind: 'grant', by: approver },
      writer,
    );
    assert.equal(result.state?.status, 'granted');
    const outcome = await pending.outcome;
    assert.equal(outcome.status, 'granted');
    assert.deepEqual(outcome.status === 'granted' && outcome.approvers, [
      { subject: 'alice', issuer: ISSUER },
    ]);
  });

  it('answers denied with who denied', async () => {
    const pending = await gate.request(request());
    await runApprovalCommand(store, pending.approvalId, { kind: 'deny', by: approver }, writer);
    const outcome = await pending.outcome;
    assert.deepEqual(outcome, {
      status: 'denied',
      approvalId: pending.approvalId,
      detail: 'denied by alice',
    });
  });

  it('expires on time and records ApprovalExpired once', async () => {
    const pending = await gate.request(request({ ttlSeconds: 1 }));
    const outcome = await pending.outcome;
    assert.equal(outcome.status, 'expired');
    // A second expiry (the gateway's saga racing us) appends nothing.
    await runApprovalCommand(store, pending.approvalId, { kind: 'expire' }, writer);
    const types = (await store.readStream(approvalStream(pending.approvalId))).map((e) => e.type);
    assert.deepEqual(types, ['ApprovalRequested', 'ApprovalExpired']);
  });

  it('records a refused self-approval and keeps waiting', async () => {
    const pending = await gate.request(request());
    const self = await runApprovalCommand(
      store,
      pending.approvalId,
      { kind: 'grant', by: { ...requester, groups: ['dba-oncall'] } },
      { actor: 'agent', gatewayInstance: 'gw-b' },
    );
    assert.equal(!self.decision.ok && self.decision.reason, 'self_approval');
    assert.equal(gate.get(pending.approvalId)?.status, 'pending');
    await pending.cancel('client disconnected');
    assert.equal((await pending.outcome).status, 'cancelled');
    const types = (await store.readStream(approvalStream(pending.approvalId))).map((e) => e.type);
    assert.deepEqual(types, ['ApprovalRequested', 'ApprovalDecisionRefused', 'ApprovalCancelled']);
  });

  it('knows session grants and their window, for this requester and target only', async () => {
    const pending = await gate.request(
      request({ scope: 'session', sequence: undefined, windowSeconds: 600 }),
    );
    assert.equal(gate.sessionAccess(requester, 'prod-db').pending, pending.approvalId);
    await runApprovalCommand(store, pending.approvalId, { kind: 'grant', by: approver }, writer);
    await pending.outcome;
    const access = gate.sessionAccess(requester, 'prod-db');
    assert.equal(access.granted?.approvalId, pending.approvalId);
    const windowMs = access.granted!.until.getTime() - Date.now();
    assert.ok(windowMs > 590_000 && windowMs <= 600_000, `window ${windowMs} ms`);
    assert.deepEqual(gate.sessionAccess(requester, 'other-db'), {});
    assert.deepEqual(gate.sessionAccess({ ...requester, subject: 'someone-else' }, 'prod-db'), {});
  });

  it('a second gate started later folds the history it missed', async () => {
    const pending = await gate.request(request({ scope: 'session', sequence: undefined, windowSeconds: 60 }));
    await runApprovalCommand(store, pending.approvalId, { kind: 'grant', by: approver }, writer);
    const late = await StoreApprovalGate.start({ store, gatewayInstance: 'gw-c' });
    try {
      assert.equal(late.get(pending.approvalId)?.status, 'granted');
    } finally {
      await late.close();
    }
  });

  it('refuses a grant of an approval that does not exist, recording the attempt', async () => {
    const result = await runApprovalCommand(
      store,
      'no-such-approval',
      { kind: 'grant', by: approver },
      writer,
    );
    assert.equal(!result.decision.ok && result.decision.reason, 'unknown_approval');
    const types = (await store.readStream(approvalStream('no-such-approval'))).map((e) => e.type);
    assert.deepEqual(types, ['ApprovalDecisionRefused']);
  });
});
