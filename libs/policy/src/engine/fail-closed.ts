import { type Decision } from '../contract/decision.js';

/**
 * The decision when there is no trustworthy policy answer: deny, with the
 * reason, no review offered (approval must not be able to lift it) and no
 * masks (nothing runs, so nothing is read).
 */
export function failClosedDecision(reason: string): Decision {
  return {
    allow: false,
    deny: [reason],
    review: { required: false, reasons: [], approver_groups: [], ttl_seconds: 1, min_approvals: 1 },
    mask: [],
  };
}

/**
 * Host-side rules no policy can switch off (docs/architecture.md "The life of a command"): a deny always wins,
 * and a request awaiting review is not allowed yet.
 */
export function enforceHostRules(decision: Decision): Decision {
  const allow = decision.allow && decision.deny.length === 0 && !decision.review.required;
  const review = decision.deny.length > 0 ? { ...decision.review, required: false } : decision.review;
  return allow === decision.allow && review === decision.review ? decision : { ...decision, allow, review };
}
