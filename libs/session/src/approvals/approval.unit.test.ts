import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalEvent, ApprovalRequestedData, Identity } from '@portcullis/events';
import { decide, foldApproval, type ApprovalCommand, type Decider } from './approval.js';

const ISSUER = 'https://login.example/v2.0';
const requester: Identity = {
  subject: 'agent-sp',
  issuer: ISSUER,
  app_id: 'app-agent',
  kind: 'service_principal',
  groups: ['agents'],
  roles: [],
};
const alice: Decider = { subject: 'alice', issuer: ISSUER, groups: ['dba-oncall'] };
const bob: Decider = { subject: 'bob', issuer: ISSUER, groups: ['dba-oncall', 'other'] };
const T0 = new Date('2026-11-22T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function requested(overrides: Partial<ApprovalRequestedData> = {}): ApprovalEvent {
  return {
    type: 'ApprovalRequested',
    data: {
      approvalId: 'a1',
      scope: 'command',
      sessionId: 's1',
      sequence: 3,
      requester,
      targetName: 'prod-db',
      text: 'create table t (id int)',
      reason: 'statement kind create requires approval',
      approverGroups: ['dba-oncall'],
      minApprovals: 1,
      expiresAt: at(900).toISOString(),
      ...overrides,
    },
  };
}

/** given these events, when this command at this time, then… */
function given(events: ApprovalEvent[], command: ApprovalCommand, now = at(10)) {
  const state = foldApproval(events.map((event) => ({ event, recordedAt: T0 })));
  return decide('a1', state, command, now);
}

describe('approval decider', () => {
  it('grants: an approver of the group decides a pending request', () => {
    const d = given([requested()], { kind: 'grant', by: alice, comment: 'ok' });
    assert.deepEqual(d, {
      ok: true,
      events: [
        {
          type: 'ApprovalGranted',
          data: { approvalId: 'a1', approver: { subject: 'alice', issuer: ISSUER }, comment: 'ok' },
        },
      ],
    });
  });

  it('refuses self-approval by the same subject, and by the same application', () => {
    const sameSubject = given([requested()], { kind: 'grant', by: { ...requester, groups: ['dba-oncall'] } });
    assert.equal(sameSubject.ok, false);
    assert.equal(!sameSubject.ok && sameSubject.reason, 'self_approval');
    const sameApp = given([requested()], {
      kind: 'grant',
      by: { subject: 'someone-else', issuer: ISSUER, app_id: 'app-agent', groups: ['dba-oncall'] },
    });
    assert.equal(!sameApp.ok && sameApp.reason, 'self_approval');
    // The refusal is an event to record.
    assert.equal(sameApp.events[0]?.type, 'ApprovalDecisionRefused');
  });

  it('refuses an approver outside the approver groups', () => {
    const d = given([requested()], {
      kind: 'deny',
      by: { subject: 'mallory', issuer: ISSUER, groups: ['devs'] },
    });
    assert.equal(!d.ok && d.reason, 'not_an_approver');
    assert.deepEqual(d.events[0]?.data, {
      approvalId: 'a1',
      attempted: 'deny',
      by: { subject: 'mallory', issuer: ISSUER },
      reason: 'not_an_approver',
      detail: 'the approver must belong to one of: dba-oncall',
    });
  });

  it('refuses a decision after expiry, even with no ApprovalExpired recorded yet', () => {
    const d = given([requested()], { kind: 'grant', by: alice }, at(900));
    assert.equal(!d.ok && d.reason, 'expired');
  });

  it('needs min_approvals distinct approvers; the same approver twice counts once', () => {
    const two = requested({ minApprovals: 2 });
    const first: ApprovalEvent = {
      type: 'ApprovalGranted',
      data: { approvalId: 'a1', approver: { subject: 'alice', issuer: ISSUER } },
    };
    const state1 = foldApproval([two, first].map((event) => ({ event, recordedAt: T0 })));
    assert.equal(state1?.status, 'pending');
    assert.deepEqual(given([two, first], { kind: 'grant', by: alice }), { ok: true, events: [] });
    const second = given([two, first], { kind: 'grant', by: bob });
    assert.equal(second.ok, true);
    const state2 = foldApproval(
      [two, first, ...second.events].map((event) => ({ event, recordedAt: at(20) })),
    );
    assert.equal(state2?.status, 'granted');
    assert.equal(state2?.grantedBy.length, 2);
  });

  it('is idempotent for the same decision twice, and refuses a different one after a decision', () => {
    const granted: ApprovalEvent = {
      type: 'ApprovalGranted',
      data: { approvalId: 'a1', approver: { subject: 'alice', issuer: ISSUER } },
    };
    assert.deepEqual(given([requested(), granted], { kind: 'grant', by: alice }), { ok: true, events: [] });
    const late = given([requested(), granted], { kind: 'deny', by: bob });
    assert.equal(!late.ok && late.reason, 'already_decided');
  });

  it('refuses an unknown approval', () => {
    const d = given([], { kind: 'grant', by: alice });
    assert.equal(!d.ok && d.reason, 'unknown_approval');
  });

  it('expires only a pending request, and only once its time has come', () => {
    assert.deepEqual(given([requested()], { kind: 'expire' }, at(899)), { ok: true, events: [] });
    assert.deepEqual(given([requested()], { kind: 'expire' }, at(900)).events, [
      { type: 'ApprovalExpired', data: { approvalId: 'a1' } },
    ]);
    const expired: ApprovalEvent = { type: 'ApprovalExpired', data: { approvalId: 'a1' } };
    assert.deepEqual(given([requested(), expired], { kind: 'expire' }, at(901)), { ok: true, events: [] });
  });

  it('cancels a pending request; a denied one stays denied', () => {
    assert.equal(
      given([requested()], { kind: 'cancel', reason: 'client left' }).events[0]?.type,
      'ApprovalCancelled',
    );
    const denied: ApprovalEvent = {
      type: 'ApprovalDenied',
      data: { approvalId: 'a1', approver: { subject: 'alice', issuer: ISSUER } },
    };
    assert.deepEqual(given([requested(), denied], { kind: 'cancel', reason: 'x' }), { ok: true, events: [] });
  });
});
