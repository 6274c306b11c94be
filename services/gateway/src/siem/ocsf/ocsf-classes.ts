/**
 * The OCSF release Portcullis maps to, and the few class, category and enum
 * values it uses, as the schema (https://github.com/ocsf/ocsf-schema, branch
 * v1.8.0) defines them. `ocsf-required.json` beside this file holds the
 * required attributes of each class; the unit tests check both against it.
 */
export const OCSF_VERSION = '1.8.0';

export interface OcsfClass {
  readonly uid: number;
  readonly name: string;
  readonly categoryUid: number;
  readonly categoryName: string;
  /** activity_id → activity_name */
  readonly activities: Readonly<Record<number, string>>;
}

export const Authentication: OcsfClass = {
  uid: 3002,
  name: 'Authentication',
  categoryUid: 3,
  categoryName: 'Identity & Access Management',
  // 4: the gateway issued a credential for the upstream service (UpstreamCredentialIssued).
  activities: { 1: 'Logon', 2: 'Logoff', 4: 'Service Ticket Request' },
};
export const DatastoreActivity: OcsfClass = {
  uid: 6005,
  name: 'Datastore Activity',
  categoryUid: 6,
  categoryName: 'Application Activity',
  activities: { 4: 'Query' },
};
export const SshActivity: OcsfClass = {
  uid: 4007,
  name: 'SSH Activity',
  categoryUid: 4,
  categoryName: 'Network Activity',
  activities: { 2: 'Close' },
};
export const ProcessActivity: OcsfClass = {
  uid: 1007,
  name: 'Process Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  activities: { 1: 'Launch' },
};
export const DetectionFinding: OcsfClass = {
  uid: 2004,
  name: 'Detection Finding',
  categoryUid: 2,
  categoryName: 'Findings',
  activities: { 1: 'Create', 2: 'Update', 3: 'Close' },
};

/** System Activity: Event Log Activity. Portcullis' own log sealing (the signed anchors) is activity Other. */
export const EventLogActivity: OcsfClass = {
  uid: 1008,
  name: 'Event Log Activity',
  categoryUid: 1,
  categoryName: 'System Activity',
  activities: { 99: 'Other' },
};

export const Status = { Unknown: 0, Success: 1, Failure: 2, Other: 99 } as const;
export const Severity = { Informational: 1, Low: 2, Medium: 3, High: 4 } as const;
export const SEVERITY_NAMES: Readonly<Record<number, string>> = {
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
};
/** Security-control profile: what the control did. */
export const Disposition = {
  Allowed: 1,
  Blocked: 2,
  Approved: 8,
  Delayed: 14,
  Rejected: 25,
  Unauthorized: 26,
} as const;
export const DISPOSITION_NAMES: Readonly<Record<number, string>> = {
  1: 'Allowed',
  2: 'Blocked',
  8: 'Approved',
  14: 'Delayed',
  25: 'Rejected',
  26: 'Unauthorized',
};
export const Action = { Allowed: 1, Denied: 2, Other: 99 } as const;
/** Finding status_id. */
export const FindingStatus = { New: 1, InProgress: 2, Resolved: 4 } as const;
export const FINDING_STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'New',
  2: 'In Progress',
  4: 'Resolved',
};
/** user.type_id */
export const UserType = { Unknown: 0, User: 1, Service: 4 } as const;
/** auth_protocol_id: the gateway accepts OIDC access tokens. */
export const AUTH_PROTOCOL_OPENID = 4;
/** logon_type_id */
export const LOGON_TYPE_NETWORK = 3;
/** database.type_id */
export const DATABASE_RELATIONAL = 1;
/** device.type_id */
export const DEVICE_SERVER = 1;
