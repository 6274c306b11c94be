import type { TSchema } from 'typebox';
import * as session from './session-events.js';
import * as approval from './approval-events.js';
import * as policy from './policy-events.js';
import * as gateway from './gateway-events.js';
import * as access from './access-events.js';
import * as credential from './credential-events.js';
import type { StreamCategory } from '../streams.js';

export * from './session-events.js';
export * from './approval-events.js';
export * from './policy-events.js';
export * from './gateway-events.js';
export * from './access-events.js';
export * from './credential-events.js';

/** The data of each event type, by type name. The contract SIEMs read. */
export interface EventDataMap {
  SessionOpened: session.SessionOpenedData;
  SessionRejected: session.SessionRejectedData;
  CommandReceived: session.CommandReceivedData;
  CommandDecided: session.CommandDecidedData;
  CommandBlocked: session.CommandBlockedData;
  CommandForwarded: session.CommandForwardedData;
  CommandCompleted: session.CommandCompletedData;
  ResultMasked: session.ResultMaskedData;
  OutputRecorded: session.OutputRecordedData;
  SessionClosed: session.SessionClosedData;
  CommandOutcomeUnknown: session.CommandOutcomeUnknownData;
  CommandsUnrecorded: session.CommandsUnrecordedData;
  ShadowDecisionDiffered: session.ShadowDecisionDifferedData;
  UpstreamCredentialIssued: credential.UpstreamCredentialIssuedData;
  UpstreamCredentialRevoked: credential.UpstreamCredentialRevokedData;
  ApprovalRequested: approval.ApprovalRequestedData;
  ApprovalGranted: approval.ApprovalGrantedData;
  ApprovalDenied: approval.ApprovalDeniedData;
  ApprovalExpired: approval.ApprovalExpiredData;
  ApprovalCancelled: approval.ApprovalCancelledData;
  ApprovalDecisionRefused: approval.ApprovalDecisionRefusedData;
  PolicyActivated: policy.PolicyActivatedData;
  PolicyRejected: policy.PolicyRejectedData;
  SessionsUnrecorded: gateway.SessionsUnrecordedData;
  SessionsRecovered: gateway.SessionsRecoveredData;
  SessionTerminationRequested: access.SessionTerminationRequestedData;
  IdentityRevoked: access.IdentityRevokedData;
  IdentityRevocationLifted: access.IdentityRevocationLiftedData;
  AuditAnchorSigned: gateway.AuditAnchorSignedData;
}
export type EventType = keyof EventDataMap;

/** A domain event: plain data with a string-literal `type`. */
export type DomainEvent<T extends EventType = EventType> = T extends EventType
  ? { type: T; data: EventDataMap[T] }
  : never;

export type SessionEventType =
  | 'SessionOpened'
  | 'SessionRejected'
  | 'CommandReceived'
  | 'CommandDecided'
  | 'CommandBlocked'
  | 'CommandForwarded'
  | 'CommandCompleted'
  | 'ResultMasked'
  | 'OutputRecorded'
  | 'SessionClosed'
  | 'CommandOutcomeUnknown'
  | 'CommandsUnrecorded'
  | 'ShadowDecisionDiffered'
  | 'UpstreamCredentialIssued'
  | 'UpstreamCredentialRevoked';
export type ApprovalEventType =
  | 'ApprovalRequested'
  | 'ApprovalGranted'
  | 'ApprovalDenied'
  | 'ApprovalExpired'
  | 'ApprovalCancelled'
  | 'ApprovalDecisionRefused';
export type PolicyEventType = 'PolicyActivated' | 'PolicyRejected';
export type GatewayEventType = 'SessionsUnrecorded' | 'SessionsRecovered' | 'AuditAnchorSigned';
export type TerminationEventType = 'SessionTerminationRequested';
export type RevocationEventType = 'IdentityRevoked' | 'IdentityRevocationLifted';

export type SessionEvent = DomainEvent<SessionEventType>;
export type ApprovalEvent = DomainEvent<ApprovalEventType>;
export type PolicyEvent = DomainEvent<PolicyEventType>;
export type GatewayEvent = DomainEvent<GatewayEventType>;
export type TerminationEvent = DomainEvent<TerminationEventType>;
export type RevocationEvent = DomainEvent<RevocationEventType>;

export interface CatalogEntry {
  /** The current schema version; older versions are upcast on read. */
  readonly schemaVersion: number;
  readonly category: StreamCategory;
  readonly schema: TSchema;
}

export const eventCatalog: { readonly [T in EventType]: CatalogEntry } = {
  SessionOpened: { schemaVersion: 1, category: 'session', schema: session.SessionOpenedSchema },
  SessionRejected: { schemaVersion: 1, category: 'session', schema: session.SessionRejectedSchema },
  CommandReceived: { schemaVersion: 1, category: 'session', schema: session.CommandReceivedSchema },
  CommandDecided: { schemaVersion: 1, category: 'session', schema: session.CommandDecidedSchema },
  CommandBlocked: { schemaVersion: 1, category: 'session', schema: session.CommandBlockedSchema },
  CommandForwarded: { schemaVersion: 1, category: 'session', schema: session.CommandForwardedSchema },
  CommandCompleted: { schemaVersion: 1, category: 'session', schema: session.CommandCompletedSchema },
  ResultMasked: { schemaVersion: 1, category: 'session', schema: session.ResultMaskedSchema },
  OutputRecorded: { schemaVersion: 1, category: 'session', schema: session.OutputRecordedSchema },
  SessionClosed: { schemaVersion: 1, category: 'session', schema: session.SessionClosedSchema },
  CommandOutcomeUnknown: {
    schemaVersion: 1,
    category: 'session',
    schema: session.CommandOutcomeUnknownSchema,
  },
  CommandsUnrecorded: { schemaVersion: 1, category: 'session', schema: session.CommandsUnrecordedSchema },
  ShadowDecisionDiffered: {
    schemaVersion: 1,
    category: 'session',
    schema: session.ShadowDecisionDifferedSchema,
  },
  UpstreamCredentialIssued: {
    schemaVersion: 1,
    category: 'session',
    schema: credential.UpstreamCredentialIssuedSchema,
  },
  UpstreamCredentialRevoked: {
    schemaVersion: 1,
    category: 'session',
    schema: credential.UpstreamCredentialRevokedSchema,
  },
  ApprovalRequested: { schemaVersion: 1, category: 'approval', schema: approval.ApprovalRequestedSchema },
  ApprovalGranted: { schemaVersion: 1, category: 'approval', schema: approval.ApprovalGrantedSchema },
  ApprovalDenied: { schemaVersion: 1, category: 'approval', schema: approval.ApprovalDeniedSchema },
  ApprovalExpired: { schemaVersion: 1, category: 'approval', schema: approval.ApprovalExpiredSchema },
  ApprovalCancelled: { schemaVersion: 1, category: 'approval', schema: approval.ApprovalCancelledSchema },
  ApprovalDecisionRefused: {
    schemaVersion: 1,
    category: 'approval',
    schema: approval.ApprovalDecisionRefusedSchema,
  },
  PolicyActivated: { schemaVersion: 1, category: 'policy', schema: policy.PolicyActivatedSchema },
  PolicyRejected: { schemaVersion: 1, category: 'policy', schema: policy.PolicyRejectedSchema },
  SessionsUnrecorded: { schemaVersion: 1, category: 'gateway', schema: gateway.SessionsUnrecordedSchema },
  SessionsRecovered: { schemaVersion: 1, category: 'gateway', schema: gateway.SessionsRecoveredSchema },
  SessionTerminationRequested: {
    schemaVersion: 1,
    category: 'termination',
    schema: access.SessionTerminationRequestedSchema,
  },
  IdentityRevoked: { schemaVersion: 1, category: 'revocation', schema: access.IdentityRevokedSchema },
  IdentityRevocationLifted: {
    schemaVersion: 1,
    category: 'revocation',
    schema: access.IdentityRevocationLiftedSchema,
  },
  AuditAnchorSigned: { schemaVersion: 1, category: 'gateway', schema: gateway.AuditAnchorSignedSchema },
};

export const eventTypes = Object.keys(eventCatalog) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}
