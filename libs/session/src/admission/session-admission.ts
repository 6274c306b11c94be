import type { Identity } from '@portcullis/events';
import type { PolicyDecision, PolicyEngine } from '@portcullis/policy';
import type { ApprovalGate, SessionGrant } from '../approvals/approval-gate.js';
import type { AccessLifecycle, LifecycleRefusal } from '../lifecycle/access-lifecycle.js';

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
  /** A session approval was granted and its window is open (policy sees `approval.granted`). */
  readonly approvalGranted?: boolean;
  /**
   * Revocations: asked before policy. A revoked identity, or any identity
   * while the revocation set is not known, is refused (fail closed).
   */
  readonly access?: Pick<AccessLifecycle, 'admissionRefusal'>;
}

export type Admission =
  | {
      readonly admitted: true;
      readonly decision: PolicyDecision;
      /** Admitted through just-in-time access: commands are refused after `grant.until`. */
      readonly grant?: SessionGrant;
    }
  /** `reason` goes into SessionRejected; `detail` says why, for the audit trail only. */
  | {
      readonly admitted: false;
      readonly reason: 'policy_denied';
      readonly detail: string;
      readonly decision: PolicyDecision;
    }
  /** Policy wants a human to approve the session first: the client is told which approval to wait for. */
  | {
      readonly admitted: false;
      readonly reason: 'approval_pending';
      readonly detail: string;
      readonly decision: PolicyDecision;
      readonly approvalId: string;
      /** Safe to show the client: the approval id and where to decide it. */
      readonly clientMessage: string;
    }
  /** Revoked, or revocations not known yet: policy was not asked. `detail` is for the audit trail only. */
  | {
      readonly admitted: false;
      readonly reason: LifecycleRefusal['reason'];
      readonly detail: string;
      readonly decision?: undefined;
    };

/**
 * May this identity open a session to this target? The same question for
 * every protocol engine, so PostgreSQL and SSH cannot drift apart on it. A deny
 * wins over an allow, a policy error denies, and a session that needs approval
 * is refused until session approvals exist.
 */
export function admitSession(policy: PolicyEngine, request: AdmissionRequest): Admission {
  const now = request.now?.() ?? Date.now();
  const refusal = request.access?.admissionRefusal(request.identity, new Date(now));
  if (refusal) return { admitted: false, reason: refusal.reason, detail: refusal.detail };
  const decision = policy.decideSession({
    identity: request.identity,
    target: {
      name: request.target.name,
      protocol: request.target.protocol,
      labels: { ...request.target.labels },
    },
    session: { id: request.sessionId, client_ip: request.clientAddress },
    approval: { granted: request.approvalGranted === true },
    now_ns: now * 1_000_000,
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

/** How long a granted session approval lets its requester in, unless configured. */
export const DEFAULT_SESSION_WINDOW_SECONDS = 3600;

/**
 * Session admission with just-in-time access. When policy wants a human to
 * approve the session (and denies nothing), a grant whose window is still
 * open lets the session in (policy decides again with `approval.granted`);
 * otherwise a session approval is requested (or the pending one reused) and
 * the session is refused with the approval's id, so the client can reconnect
 * once a human granted it. Without a gate, review stays a refusal.
 */
export async function admitSessionWithApprovals(
  policy: PolicyEngine,
  request: AdmissionRequest,
  approvals: ApprovalGate | undefined,
  windowSeconds: number = DEFAULT_SESSION_WINDOW_SECONDS,
): Promise<Admission> {
  const first = admitSession(policy, request);
  const { decision } = first;
  if (!decision) return first;
  const reviewOnly = !decision.error && decision.deny.length === 0 && decision.review.required;
  if (first.admitted || !approvals || !reviewOnly) return first;
  const access = approvals.sessionAccess(request.identity, request.target.name);
  if (access.granted) {
    const again = admitSession(policy, { ...request, approvalGranted: true });
    return again.admitted ? { ...again, grant: access.granted } : again;
  }
  const reasons = (decision.review.reasons ?? []).join('; ') || 'policy requires approval';
  const approvalId =
    access.pending ??
    (
      await approvals.request({
        scope: 'session',
        sessionId: request.sessionId,
        requester: request.identity,
        targetName: request.target.name,
        text: `open a ${request.target.protocol} session to ${request.target.name}`,
        reason: reasons,
        approverGroups: decision.review.approver_groups,
        minApprovals: decision.review.min_approvals,
        ttlSeconds: decision.review.ttl_seconds,
        windowSeconds,
      })
    ).approvalId;
  return {
    admitted: false,
    reason: 'approval_pending',
    detail: `session approval ${approvalId} pending: ${reasons}`,
    decision,
    approvalId,
    clientMessage:
      `portcullis: session approval ${approvalId} required (${reasons}); ` +
      `decide with: ${approvals.whereToDecide(approvalId)}; reconnect once granted`,
  };
}
