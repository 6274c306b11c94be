import type { Identity } from '@portcullis/identity';
import type { PolicyDecision, PolicyEngine } from '@portcullis/policy';
import { admitSession, type AccessLifecycle } from '@portcullis/session';
import type { SshTarget } from './proxy-options.js';
import { SessionRefusal } from './session-refusal.js';

export interface SessionSubject {
  readonly identity: Identity;
  readonly target: SshTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
}

/** Target reference as policy input and events carry it. */
export const targetRef = (target: SshTarget) => ({
  name: target.name,
  protocol: 'ssh' as const,
  labels: { ...target.labels },
});

/**
 * May this identity open a session to this host? The shared admission rule of
 * every protocol engine (libs/session, revocations first), turned into this
 * proxy's refusal.
 */
export function checkSessionAccess(
  policy: PolicyEngine,
  subject: SessionSubject,
  lifecycle?: AccessLifecycle,
): PolicyDecision {
  const admission = admitSession(policy, {
    ...subject,
    target: targetRef(subject.target),
    ...(lifecycle ? { access: lifecycle } : {}),
  });
  if (!admission.admitted) throw new SessionRefusal(admission.reason, admission.detail, subject.identity);
  return admission.decision;
}
