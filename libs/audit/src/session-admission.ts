import type { Identity } from '@portcullis/events';
import type { PolicyDecision, PolicyEngine } from '@portcullis/policy';

export interface AdmissionRequest {
  readonly identity: Identity;
  readonly target: {
    readonly name: string;
    readonly protocol: 'postgres' | 'ssh';
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly sessionId: string;
  readonly clientAddress: string;
  /** Injected so tests can fix time. */
  readonly now?: () => number;
}

export type Admission =
  | { readonly admitted: true; readonly decision: PolicyDecision }
  /** `reason` goes into SessionRejected; `detail` says why, for the audit trail only. */
  | {
      readonly admitted: false;
      readonly reason: 'policy_denied';
      readonly detail: string;
      readonly decision: PolicyDecision;
    };

/**
 * May this identity open a session to this target? The same question for
 * every protocol engine, so PostgreSQL and SSH cannot drift apart on it. A deny
 * wins over an allow, a policy error denies, and a session that needs approval
 * is refused until session approvals exist.
 */
export function admitSession(policy: PolicyEngine, request: AdmissionRequest): Admission {
  const decision = policy.decideSession({
    identity: request.identity,
    target: {
      name: request.target.name,
      protocol: request.target.protocol,
      labels: { ...request.target.labels },
    },
    session: { id: request.sessionId, client_ip: request.clientAddress },
    approval: { granted: false },
    now_ns: (request.now?.() ?? Date.now()) * 1_000_000,
  });
  if (decision.allow && decision.deny.length === 0 && !decision.review.required)
    return { admitted: true, decision };
  const detail = decision.error
    ? `policy error: ${decision.error.message}`
    : decision.deny.length > 0
      ? decision.deny.join('; ')
      : decision.review.required
        ? `session approval required: ${(decision.review.reasons ?? []).join('; ')}`
        : 'not allowed by policy';
  return { admitted: false, reason: 'policy_denied', detail, decision };
}
