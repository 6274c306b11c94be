import type { Identity } from '@portcullis/identity';
import type { PolicyDecision, PolicyEngine } from '@portcullis/policy';
import { admitSession } from '@portcullis/audit';
import type { ProxyTarget } from './proxy-options.js';
import { AUTHENTICATION_FAILED, SessionRefusal, SqlState } from './session-refusal.js';

export interface SessionSubject {
  readonly identity: Identity;
  readonly target: ProxyTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
}

/**
 * Step 4: may this identity open a session to this target? The shared
 * admission rule of every protocol engine (libs/audit). The client learns only
 * that it is not authorized (28000); the reason goes into SessionRejected.
 */
export function checkSessionAccess(policy: PolicyEngine, subject: SessionSubject): PolicyDecision {
  const admission = admitSession(policy, {
    ...subject,
    target: { name: subject.target.name, protocol: 'postgres', labels: subject.target.labels },
  });
  if (admission.admitted) return admission.decision;
  throw new SessionRefusal(
    admission.reason,
    admission.detail,
    SqlState.InvalidAuthorization,
    AUTHENTICATION_FAILED,
    subject.identity,
  );
}
