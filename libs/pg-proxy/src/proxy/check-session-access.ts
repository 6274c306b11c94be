import type { Identity } from '@portcullis/identity';
import type { PolicyDecision, PolicyEngine } from '@portcullis/policy';
import type { ProxyTarget } from './proxy-options.js';
import { AUTHENTICATION_FAILED, SessionRefusal, SqlState } from './session-refusal.js';

export interface SessionSubject {
  readonly identity: Identity;
  readonly target: ProxyTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
}

/**
 * Step 4: may this identity open a session to this target? A session that
 * needs approval is refused for now (session approvals are a later issue).
 * The client learns only that it is not authorized (28000).
 */
export function checkSessionAccess(policy: PolicyEngine, subject: SessionSubject): PolicyDecision {
  const decision = policy.decideSession({
    identity: subject.identity,
    target: { name: subject.target.name, protocol: 'postgres', labels: { ...subject.target.labels } },
    session: { id: subject.sessionId, client_ip: subject.clientAddress },
    approval: { granted: false },
    now_ns: Date.now() * 1_000_000,
  });
  if (decision.allow && decision.deny.length === 0 && !decision.review.required) return decision;
  const why = decision.error
    ? `policy error: ${decision.error.message}`
    : decision.deny.length > 0
      ? decision.deny.join('; ')
      : decision.review.required
        ? `session approval required: ${(decision.review.reasons ?? []).join('; ')}`
        : 'not allowed by policy';
  throw new SessionRefusal(
    'policy_denied',
    why,
    SqlState.InvalidAuthorization,
    AUTHENTICATION_FAILED,
    subject.identity,
  );
}
