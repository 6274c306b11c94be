import type { Identity } from '@portcullis/identity';
import type { ReceivedCommand, SessionRecorder } from '../ledger/session-recorder.js';
import { Refusals } from '../verdict/refusals.js';
import { refusedVerdict, type Verdict } from '../verdict/verdict.js';
import type { ApprovalGate } from './approval-gate.js';
import { awaitReview, type ReviewChannel } from './await-review.js';

/** The session a command waiting for approval belongs to. */
export interface ReviewContext {
  /** Where commands that need review wait for a human; without it, review means deny. */
  readonly approvals?: ApprovalGate;
  readonly sessionId: string;
  readonly identity: Identity;
  readonly targetName: string;
}

/**
 * A command policy wants a human to approve, whose CommandDecided `review`
 * is already durable: request the approval, tell the client, wait (the
 * command does not run meanwhile), then decide again — `redecide` with the
 * grant's id, or a deny naming the approval — and make that second
 * CommandDecided durable before returning it. Every front end pauses this
 * way; each supplies only its wire (`channel`: how to tell its client, how
 * it notices the client giving up). Without a gate, review stays a refusal.
 */
export async function awaitApproval<V extends Verdict & { readonly received: ReceivedCommand }>(
  context: ReviewContext,
  recorder: SessionRecorder,
  verdict: V,
  sequence: number,
  channel: ReviewChannel,
  redecide: (approvalId: string) => V,
): Promise<V> {
  if (!context.approvals || !verdict.review) return verdict;
  const result = await awaitReview(
    context.approvals,
    {
      sessionId: context.sessionId,
      sequence,
      requester: context.identity,
      targetName: context.targetName,
      text: verdict.received.text,
      classification: verdict.received.classification,
      review: verdict.review,
    },
    channel,
  );
  const next = result.granted ? redecide(result.approvalId) : refusedVerdict(verdict, result.reason);
  try {
    await recorder.decideAfterReview(sequence, next.decided);
    return next;
  } catch {
    return refusedVerdict(verdict, Refusals.auditUnavailable);
  }
}
