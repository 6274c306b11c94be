import { Refusals } from '../verdict/refusals.js';
import type { Identity } from '@portcullis/events';
import type { PolicyDecision } from '@portcullis/policy';
import type { ApprovalGate, ApprovalOutcome, PendingApproval } from './approval-gate.js';

/** What policy asks of a human before a command may run (its decision's `review`). */
export interface ReviewRequest {
  readonly reasons: readonly string[];
  readonly approverGroups: readonly string[];
  readonly minApprovals: number;
  readonly ttlSeconds: number;
}

/** The review a policy decision asks for, or undefined when it asks for none. */
export function reviewRequestOf(decision: PolicyDecision): ReviewRequest | undefined {
  if (!decision.review.required) return undefined;
  return {
    reasons: decision.review.reasons ?? [],
    approverGroups: decision.review.approver_groups,
    minApprovals: decision.review.min_approvals,
    ttlSeconds: decision.review.ttl_seconds,
  };
}

/** The command waiting, as the approval request names it. */
export interface ReviewedCommand {
  readonly sessionId: string;
  readonly sequence: number;
  readonly requester: Identity;
  readonly targetName: string;
  readonly text: string;
  readonly classification?: unknown;
  readonly review: ReviewRequest;
}

/** How a protocol engine talks to its client while a command waits. */
export interface ReviewChannel {
  /** Tell the client which approval it waits for and where a human decides it. */
  tell(message: { approvalId: string; reason: string; expiresAt: Date; whereToDecide: string }): void;
  /**
   * Calls `interrupt` when the client gives up (disconnects, cancels);
   * returns what stops listening.
   */
  onInterrupt(interrupt: (why: string) => void): () => void;
}

export type ReviewResult =
  | { readonly granted: true; readonly approvalId: string }
  /** `reason` is what the client is told after `portcullis: denied: `. */
  | { readonly granted: false; readonly reason: string };

/**
 * The protocol-independent part of pausing a command for approval:
 * request it (ApprovalRequested durable), tell the client, then wait for
 * the outcome through the gate, or for the client to give up (which
 * records ApprovalCancelled). Never throws: a request the store cannot take
 * is a refusal (fail closed). The caller decides again on a grant and makes
 * that decision durable before the command runs.
 */
export async function awaitReview(
  gate: ApprovalGate,
  command: ReviewedCommand,
  channel: ReviewChannel,
): Promise<ReviewResult> {
  const reason = command.review.reasons.join('; ') || 'policy requires review';
  let pending: PendingApproval;
  try {
    pending = await gate.request({
      scope: 'command',
      sessionId: command.sessionId,
      sequence: command.sequence,
      requester: command.requester,
      targetName: command.targetName,
      text: command.text,
      ...(command.classification === undefined ? {} : { classification: command.classification }),
      reason,
      approverGroups: command.review.approverGroups,
      minApprovals: command.review.minApprovals,
      ttlSeconds: command.review.ttlSeconds,
    });
  } catch {
    return { granted: false, reason: `${Refusals.auditUnavailable}: the approval could not be requested` };
  }
  const { approvalId } = pending;
  channel.tell({
    approvalId,
    reason,
    expiresAt: pending.expiresAt,
    whereToDecide: gate.whereToDecide(approvalId),
  });
  const outcome = await new Promise<ApprovalOutcome | { status: 'interrupted'; why: string }>((resolve) => {
    const stop = channel.onInterrupt((why) => resolve({ status: 'interrupted', why }));
    void pending.outcome.then((result) => {
      stop();
      resolve(result);
    });
  });
  switch (outcome.status) {
    case 'granted':
      return { granted: true, approvalId };
    case 'interrupted':
      await pending.cancel(outcome.why).catch(() => undefined);
      return { granted: false, reason: `approval ${approvalId} cancelled: ${outcome.why}` };
    default:
      return { granted: false, reason: `approval ${approvalId} ${outcome.status}: ${outcome.detail}` };
  }
}
