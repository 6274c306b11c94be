import type ssh2 from 'ssh2';
import type { ApprovalOutcome, PendingApproval, SessionRecorder } from '@portcullis/audit';
import { decideCommand, type CommandContext, type ExecDecision } from './decide-command.js';

/**
 * An exec command policy wants a human to approve (its CommandDecided
 * `review` is already durable): the command waits, nothing runs on the host.
 *
 *   request the approval (ApprovalRequested, durable) → tell the client on
 *   stderr (the approval id and where to decide it) → wait for the outcome
 *   from the store's subscription, or the client closing the channel →
 *   decide again: with the grant, policy runs with `approval.granted`;
 *   otherwise a deny naming the approval → the second CommandDecided,
 *   durable before the command runs.
 *
 * The client's stdin stays buffered in its channel meanwhile. Returns the
 * decision to act on.
 */
export async function awaitExecApproval(
  channel: ssh2.ServerChannel,
  text: string,
  decision: ExecDecision,
  sequence: number,
  deps: { readonly context: CommandContext; readonly recorder: SessionRecorder },
): Promise<ExecDecision> {
  const { context, recorder } = deps;
  const gate = context.approvals;
  const review = decision.review!;
  if (!gate) return decision;
  const reason = review.reasons.join('; ') || 'policy requires review';
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
      reason,
      approverGroups: review.approverGroups,
      minApprovals: review.minApprovals,
      ttlSeconds: review.ttlSeconds,
    });
  } catch {
    return settle(
      recorder,
      sequence,
      refused(decision, 'audit store unavailable: the approval could not be requested'),
    );
  }
  channel.stderr.write(
    `portcullis: approval ${pending.approvalId} required: ${reason}; waiting until ${pending.expiresAt.toISOString()}\n` +
      `portcullis: decide it with: ${gate.whereToDecide(pending.approvalId)}\n`,
  );
  const outcome = await new Promise<ApprovalOutcome | 'client_gone'>((resolve) => {
    const gone = () => resolve('client_gone');
    channel.once('close', gone);
    void pending.outcome.then((result) => {
      channel.off('close', gone);
      resolve(result);
    });
  });
  if (outcome === 'client_gone') {
    await pending.cancel('client disconnected').catch(() => undefined);
    return settle(
      recorder,
      sequence,
      refused(decision, `approval ${pending.approvalId} cancelled: client disconnected`),
    );
  }
  if (outcome.status !== 'granted') {
    return settle(
      recorder,
      sequence,
      refused(decision, `approval ${pending.approvalId} ${outcome.status}: ${outcome.detail}`),
    );
  }
  return settle(recorder, sequence, decideCommand(context, text, pending.approvalId));
}

async function settle(
  recorder: SessionRecorder,
  sequence: number,
  decision: ExecDecision,
): Promise<ExecDecision> {
  try {
    await recorder.decideAfterReview(sequence, decision.decided);
    return decision;
  } catch {
    return refused(decision, 'audit store unavailable');
  }
}

function refused(decision: ExecDecision, reason: string): ExecDecision {
  const { review: _review, ...rest } = decision;
  return {
    ...rest,
    allowed: false,
    refusal: reason,
    decided: { ...decision.decided, outcome: 'deny', reasons: [reason] },
  };
}
