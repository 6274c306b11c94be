import type { ApprovalOutcome, PendingApproval } from '@portcullis/audit';
import { backend } from '../protocol/index.js';
import { decideStatement, type StatementDecision } from './decide-statement.js';
import { AUDIT_UNAVAILABLE, type SessionRelay } from './session-relay.js';

/** Why the wait ended, when it was not the approval's own outcome. */
type Interruption = { readonly status: 'client_gone' } | { readonly status: 'client_cancelled' };

/**
 * A statement policy wants a human to approve (its CommandDecided `review`
 * is already durable): pause it on the wire until they decide.
 *
 *   request the approval (ApprovalRequested, durable) → tell the client
 *   (NoticeResponse naming the approval and where to decide it) → wait for
 *   the outcome from the store's subscription, the client leaving, or the
 *   client cancelling (Ctrl-C) → decide again: with the grant, policy runs
 *   with `approval.granted` (and may still deny or mask); otherwise a deny
 *   naming the approval → the second CommandDecided, durable before anything
 *   is forwarded.
 *
 * Nothing of the statement reaches the server while it waits, and the
 * client's later messages queue behind it, so the protocol stays in order
 * (extended protocol included). Returns the decision to act on.
 */
export async function awaitApproval(
  relay: SessionRelay,
  decision: StatementDecision,
  sequence: number,
): Promise<StatementDecision> {
  const { statements: context } = relay;
  const review = decision.review!;
  const gate = context.approvals;
  // No one to ask: review stays a refusal ("approval required: …"), as decided.
  if (!gate) return decision;
  let pending: PendingApproval;
  try {
    pending = await gate.request({
      scope: 'command',
      sessionId: context.sessionId,
      sequence,
      requester: context.identity,
      targetName: context.target.name,
      text: decision.received.text,
      classification: decision.received.classification,
      reason: review.reasons.join('; ') || 'policy requires review',
      approverGroups: review.approverGroups,
      minApprovals: review.minApprovals,
      ttlSeconds: review.ttlSeconds,
    });
  } catch {
    return settle(
      relay,
      sequence,
      refused(decision, `${AUDIT_UNAVAILABLE}: the approval could not be requested`),
    );
  }
  relay.channel.write(
    backend.noticeResponse({
      severity: 'NOTICE',
      code: '01000',
      message:
        `portcullis: approval ${pending.approvalId} required: ${review.reasons.join('; ') || 'policy requires review'}; ` +
        `waiting until ${pending.expiresAt.toISOString()}`,
      detail: `Decide it with: ${gate.whereToDecide(pending.approvalId)}`,
    }),
  );
  const outcome = await waitForOutcome(relay, pending);
  if (outcome.status === 'client_gone' || outcome.status === 'client_cancelled') {
    const why = outcome.status === 'client_gone' ? 'client disconnected' : 'client cancelled the statement';
    await pending.cancel(why).catch(() => undefined);
    return settle(relay, sequence, refused(decision, `approval ${pending.approvalId} cancelled: ${why}`));
  }
  if (outcome.status !== 'granted') {
    return settle(
      relay,
      sequence,
      refused(decision, `approval ${pending.approvalId} ${outcome.status}: ${outcome.detail}`),
    );
  }
  return settle(relay, sequence, decideStatement(context, decision.received.text, pending.approvalId));
}

function waitForOutcome(
  relay: SessionRelay,
  pending: PendingApproval,
): Promise<ApprovalOutcome | Interruption> {
  return new Promise((resolve) => {
    const stopWatching = relay.channel.onGone(() => resolve({ status: 'client_gone' }));
    const stopCancel = relay.holdCancellable(() => resolve({ status: 'client_cancelled' }));
    void pending.outcome.then((outcome) => {
      stopWatching();
      stopCancel();
      resolve(outcome);
    });
  });
}

/** The second CommandDecided must be durable before the statement runs; if it cannot be, refuse. */
async function settle(
  relay: SessionRelay,
  sequence: number,
  decision: StatementDecision,
): Promise<StatementDecision> {
  try {
    await relay.recorder.decideAfterReview(sequence, decision.decided);
    return decision;
  } catch {
    return refused(decision, AUDIT_UNAVAILABLE);
  }
}

function refused(decision: StatementDecision, reason: string): StatementDecision {
  const { review: _review, ...rest } = decision;
  return {
    ...rest,
    allowed: false,
    refusal: reason,
    decided: { ...decision.decided, outcome: 'deny', reasons: [reason] },
  };
}
