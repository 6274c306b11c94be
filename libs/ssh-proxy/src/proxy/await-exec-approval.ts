import type ssh2 from 'ssh2';
import { awaitReview, type SessionRecorder } from '@portcullis/audit';
import { decideCommand, type CommandContext, type ExecDecision } from './decide-command.js';
import { AUDIT_UNAVAILABLE } from './write-ahead.js';

/**
 * An exec command policy wants a human to approve (its CommandDecided
 * `review` is already durable): the command waits and nothing runs on the
 * host (libs/audit awaitReview). The client is told on stderr which
 * approval it waits for and where to decide it; closing the channel ends
 * the wait. With the grant, policy decides again with `approval.granted`;
 * otherwise a deny naming the approval. That decision is the second
 * CommandDecided, durable before the command runs.
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
        channel.stderr.write(
          `portcullis: approval ${approvalId} required: ${reason}; waiting until ${expiresAt.toISOString()}\n` +
            `portcullis: decide it with: ${whereToDecide}\n`,
        ),
      onInterrupt: (interrupt) => {
        const gone = () => interrupt('client disconnected');
        channel.once('close', gone);
        return () => channel.off('close', gone);
      },
    },
  );
  const next = result.granted
    ? decideCommand(context, text, result.approvalId)
    : refused(decision, result.reason);
  try {
    await recorder.decideAfterReview(sequence, next.decided);
    return next;
  } catch {
    return refused(decision, AUDIT_UNAVAILABLE);
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
