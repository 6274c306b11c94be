import type { Identity } from '@portcullis/identity';
import type { SessionEvent, SessionOpenedData, SessionRejectedData } from '@portcullis/events';
import type { CredentialIssued } from '../credentials/session-upstream.js';
import type { SessionAccess } from './check-session-access.js';
import type { ProxyTarget } from '../listener/proxy-options.js';
import type { SessionRefusal } from './session-refusal.js';

/** The session events the PostgreSQL proxy builds, in one place. */
export function sessionOpened(
  sessionId: string,
  identity: Identity,
  target: ProxyTarget,
  clientAddress: string,
  access: SessionAccess,
): SessionOpenedData {
  return {
    sessionId,
    identity,
    target: { name: target.name, protocol: 'postgres', labels: { ...target.labels } },
    protocol: 'postgres',
    clientAddress,
    policyRevision: access.decision.bundle_revision,
    ...(access.grant
      ? { approvalId: access.grant.approvalId, approvedUntil: access.grant.until.toISOString() }
      : {}),
  };
}

export function sessionRejected(
  sessionId: string,
  target: ProxyTarget,
  clientAddress: string,
  refusal: SessionRefusal,
): SessionRejectedData {
  return {
    sessionId,
    protocol: 'postgres',
    targetName: target.name,
    clientAddress,
    reason: refusal.reason,
    detail: refusal.detail,
    ...(refusal.identity ? { identity: refusal.identity } : {}),
  };
}

export function credentialIssued(sessionId: string, issued: CredentialIssued): SessionEvent {
  return { type: 'UpstreamCredentialIssued', data: { sessionId, ...issued } };
}
