import type { SessionOpenedData, SessionRejectedData } from '@portcullis/events';
import type { Identity } from '@portcullis/identity';
import type { PolicyDecision } from '@portcullis/policy';
import { targetRef } from './check-session-access.js';
import type { SshTarget } from './proxy-options.js';
import type { SessionRefusal } from './session-refusal.js';

/** The session events the SSH proxy builds, in one place. */
export function sessionOpened(
  sessionId: string,
  identity: Identity,
  target: SshTarget,
  clientAddress: string,
  access: PolicyDecision,
): SessionOpenedData {
  return {
    sessionId,
    identity,
    target: targetRef(target),
    protocol: 'ssh',
    clientAddress,
    policyRevision: access.bundle_revision,
  };
}

export function sessionRejected(
  sessionId: string,
  targetName: string,
  clientAddress: string,
  refusal: SessionRefusal,
): SessionRejectedData {
  return {
    sessionId,
    protocol: 'ssh',
    targetName,
    clientAddress,
    reason: refusal.reason,
    detail: refusal.detail,
    ...(refusal.identity ? { identity: refusal.identity } : {}),
  };
}
