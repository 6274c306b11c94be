import type { Identity } from '@portcullis/identity';
import type { PolicyDecision } from '@portcullis/policy';
import { admitSessionWithApprovals, type SessionGrant } from '@portcullis/session';
import type { PgProxyOptions, ProxyTarget } from '../listener/proxy-options.js';
import { AUTHENTICATION_FAILED, SessionRefusal, SqlState, storeUnavailable } from './session-refusal.js';

export interface SessionSubject {
  readonly identity: Identity;
  readonly target: ProxyTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
}

export interface SessionAccess {
  readonly decision: PolicyDecision;
  /** Just-in-time access: the approval that let the session in, and until when. */
  readonly grant?: SessionGrant;
}

/**
 * Step 4: may this identity open a session to this target? The shared
 * admission rule of every protocol engine (libs/session). The client learns only
 * that it is not authorized (28000); the reason goes into SessionRejected.
 * A revoked identity (libs/session lifecycle) is refused the same way, before
 * policy is asked. A session that needs approval is refused with the approval's id (the client
 * reconnects once a human granted it), and let in within the granted window.
 */
export async function checkSessionAccess(
  options: Pick<PgProxyOptions, 'policy' | 'approvals' | 'sessionWindowSeconds' | 'lifecycle'>,
  subject: SessionSubject,
): Promise<SessionAccess> {
  let admission;
  try {
    admission = await admitSessionWithApprovals(
      options.policy,
      {
        ...subject,
        target: { name: subject.target.name, protocol: 'postgres', labels: subject.target.labels },
        ...(options.lifecycle ? { access: options.lifecycle } : {}),
      },
      options.approvals,
      options.sessionWindowSeconds,
    );
  } catch (error) {
    // The session approval could not be requested: fail closed.
    throw storeUnavailable(error, subject.identity);
  }
  if (admission.admitted) {
    return { decision: admission.decision, ...(admission.grant ? { grant: admission.grant } : {}) };
  }
  throw new SessionRefusal(
    admission.reason,
    admission.detail,
    SqlState.InvalidAuthorization,
    admission.reason === 'approval_pending' ? admission.clientMessage : AUTHENTICATION_FAILED,
    subject.identity,
  );
}
