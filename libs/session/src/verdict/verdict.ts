import { randomUUID } from 'node:crypto';
import type { PolicyDecision, PolicyEngine } from '@portcullis/policy';
import { reviewRequestOf, type ReviewRequest } from '../approvals/await-review.js';
import type { CommandDecision } from '../ledger/session-recorder.js';
import { Refusals } from './refusals.js';
import type { ShadowDifference } from './shadow-policy.js';

/**
 * One command's verdict: policy's decision joined with the host's own rules,
 * which no policy can switch off — a deny always wins, an evaluation error
 * denies, review after a granted approval denies. Every front end turns its
 * decisions into this, and only this, so a statement and a shell command
 * are judged by the same rules.
 */
export interface Verdict {
  readonly allowed: boolean;
  /** For a refusal: the text after `portcullis: denied: `. */
  readonly refusal: string;
  /** What CommandDecided records. */
  readonly decided: CommandDecision;
  /** Set when policy wants a human to approve first (`allowed` is false until they do). */
  readonly review?: ReviewRequest;
  /** How the shadow policy (policy.shadow) would have decided, when it differs (shadow-policy.ts). */
  readonly shadow?: ShadowDifference;
}

export interface VerdictOptions {
  /** Reasons of the front end's own (parser problems, unsupported protocol features): each denies. */
  readonly hostReasons?: readonly string[];
  /** The approval this decision was taken after: review again is refused, and CommandDecided names it. */
  readonly approvalId?: string;
  /** An approval that admitted the whole session: named in CommandDecided, no per-command check. */
  readonly grantedBy?: string;
  /**
   * A last host check on a decision that would allow (the PostgreSQL proxy's
   * masking refusals): a reason denies.
   */
  readonly beforeAllow?: () => string | undefined;
}

export function verdictOf(decision: PolicyDecision, options: VerdictOptions = {}): Verdict {
  const deny = [
    ...(decision.error ? [Refusals.policyError(decision.error.message)] : []),
    ...decision.deny,
    ...(options.hostReasons ?? []),
  ];
  if (options.approvalId !== undefined && decision.review.required) deny.push(Refusals.reviewAfterApproval);
  const review = decision.review.required
    ? Refusals.approvalRequired(decision.review.reasons ?? [])
    : undefined;
  if (decision.allow && deny.length === 0 && review === undefined) {
    const refusal = options.beforeAllow?.();
    if (refusal !== undefined) deny.push(refusal);
  }
  const allowed = decision.allow && deny.length === 0 && review === undefined;
  const reasons = deny.length > 0 ? deny : review ? [review] : allowed ? [] : [Refusals.notAllowed];
  const outcome = deny.length > 0 || (!allowed && !review) ? 'deny' : review ? 'review' : 'allow';
  const approvalId = options.approvalId ?? options.grantedBy;
  return {
    allowed,
    refusal: reasons.join('; '),
    decided: {
      outcome,
      reasons,
      policyRevision: decision.bundle_revision,
      decisionId: decision.decision_id,
      evaluationMicros: Math.round(decision.evaluation_ns / 1000),
      ...(decision.mask.length > 0 ? { masks: decision.mask } : {}),
      ...(approvalId === undefined ? {} : { approvalId }),
    },
    ...(outcome === 'review' ? { review: reviewRequestOf(decision) } : {}),
  };
}

/** A deny decided by the host without evaluating policy (a classifier failure, a refused protocol feature). */
export function hostDecision(policy: PolicyEngine, reason: string): PolicyDecision {
  return {
    allow: false,
    deny: [reason],
    review: { required: false, approver_groups: [], ttl_seconds: 0, min_approvals: 0 },
    mask: [],
    decision_id: `host-${randomUUID()}`,
    entrypoint: 'command',
    bundle_revision: policy.revision,
    evaluation_ns: 0,
  };
}

/**
 * The same verdict handed out again by a session's DecisionCache: CommandDecided
 * names the evaluation it reuses (its decisionId), says `reused`, and took no
 * evaluation time.
 */
export function reusedVerdict<V extends Verdict>(verdict: V): V {
  return { ...verdict, decided: { ...verdict.decided, evaluationMicros: 0, reused: true } };
}

/** A verdict turned into a refusal (a denied or expired review): the reason replaces policy's. */
export function refusedVerdict<V extends Verdict>(verdict: V, reason: string): V {
  const { review: _review, ...rest } = verdict;
  return {
    ...rest,
    allowed: false,
    refusal: reason,
    decided: { ...verdict.decided, outcome: 'deny', reasons: [reason] },
  } as unknown as V;
}
