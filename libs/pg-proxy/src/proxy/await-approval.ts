import { awaitReview } from '@portcullis/audit';
import { backend } from '../protocol/index.js';
import { decideStatement, type StatementDecision } from './decide-statement.js';
import { AUDIT_UNAVAILABLE, type SessionRelay } from './session-relay.js';

/**
 * A statement policy wants a human to approve (its CommandDecided `review`
 * is already durable): pause it on the wire until they decide
 * (libs/audit awaitReview). The client is told with a NoticeResponse naming
 * the approval and where to decide it; leaving, or a CancelRequest (Ctrl-C),
 * ends the wait. With the grant, policy decides again with
 * `approval.granted` (and may still deny or mask); otherwise a deny naming
 * the approval. That decision is the second CommandDecided, durable before
 * anything is forwarded.
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
  // No one to ask: review stays a refusal ("approval required: …"), as decided.
  if (!context.approvals || !decision.review) return decision;
  const result = await awaitReview(
    context.approvals,
    {
      sessionId: context.sessionId,
      sequence,
      requester: context.identity,
      targetName: context.target.name,
      text: decision.received.text,
      classification: decision.received.classification,
      review: decision.review,
    },
    {
      tell: ({ approvalId, reason, expiresAt, whereToDecide }) =>
        relay.channel.write(
          backend.noticeResponse({
            severity: 'NOTICE',
            code: '01000',
            message: `portcullis: approval ${approvalId} required: ${reason}; waiting until ${expiresAt.toISOString()}`,
            detail: `Decide it with: ${whereToDecide}`,
          }),
        ),
      onInterrupt: (interrupt) => {
        const stopWatching = relay.channel.onGone(() => interrupt('client disconnected'));
        const stopCancel = relay.holdCancellable(() => interrupt('client cancelled the statement'));
        return () => {
          stopWatching();
          stopCancel();
        };
      },
    },
  );
  const next = result.granted
    ? decideStatement(context, decision.received.text, result.approvalId)
    : refused(decision, result.reason);
  try {
    await relay.recorder.decideAfterReview(sequence, next.decided);
    return next;
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
