import { isIP } from 'node:net';
import {
  formatPosition,
  type AnyEvent,
  type Approver,
  type ApprovalEvent,
  type GatewayEvent,
  type Identity,
  type Recorded,
  type RecordedEvent,
  type RevocationEvent,
  type SessionEvent,
  type TerminationEvent,
  type UpstreamCredentialIssuedData,
} from '@portcullis/events';
import {
  Action,
  AUTH_PROTOCOL_OPENID,
  Authentication,
  DATABASE_RELATIONAL,
  DatastoreActivity,
  DetectionFinding,
  DEVICE_SERVER,
  EventLogActivity,
  Disposition,
  DISPOSITION_NAMES,
  FINDING_STATUS_NAMES,
  FindingStatus,
  LOGON_TYPE_NETWORK,
  OCSF_VERSION,
  ProcessActivity,
  Severity,
  SEVERITY_NAMES,
  SshActivity,
  Status,
  UserType,
  type OcsfClass,
} from './ocsf-classes.js';
import { sessionFactsOf, type OcsfContext, type SessionFacts } from './event-facts.js';

/** One OCSF event: plain JSON. */
export interface OcsfEvent {
  readonly class_uid: number;
  readonly activity_id: number;
  readonly type_uid: number;
  readonly time: number;
  readonly metadata: { readonly uid: string; readonly version: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/**
 * Maps one catalog event to OCSF 1.8.0, or undefined for the events no OCSF
 * class fits (terminal output chunks, policy activations, recovery notes):
 * the JSON format carries those. Pure: what the event does not say about
 * its session or approval comes in `context`.
 *
 * Values are passed as the events hold them: statement texts and messages
 * are already masked where policy masks, so nothing here can unmask.
 * `metadata.uid` is the event id, so a receiver deduplicates the repeats of
 * an at-least-once delivery; the hash-chain fields (stream, revision, hash,
 * prevHash, position) travel in `unmapped.portcullis`, as OCSF 1.8.0 has no
 * record-integrity profile.
 */
export function toOcsf(event: RecordedEvent, context: OcsfContext = {}): OcsfEvent | undefined {
  const e = event as Recorded<
    SessionEvent | ApprovalEvent | GatewayEvent | TerminationEvent | RevocationEvent
  >;
  const session = context.session;
  switch (e.type) {
    case 'SessionOpened':
      return build(Authentication, 1, e, {
        ...statusOf(Status.Success),
        message: `session opened to ${e.data.target.name} (${e.data.protocol}${e.data.frontEnd === 'mcp' ? ' via MCP' : ''})`,
        ...authenticationParts(session ?? sessionFactsOf(e), e.data.identity, e.metadata.actor),
      });
    case 'SessionRejected':
      return build(Authentication, 1, e, {
        ...statusOf(Status.Failure),
        status_code: e.data.reason,
        status_detail: e.data.detail,
        severity_id: Severity.Medium,
        message: `session to ${e.data.targetName} (${e.data.protocol}) rejected: ${e.data.reason}`,
        ...authenticationParts(session ?? sessionFactsOf(e), e.data.identity, e.metadata.actor),
      });
    case 'SessionClosed': {
      const parts = {
        ...statusOf(Status.Success),
        status_detail: e.data.reason,
        duration: e.data.durationMs,
        message: `session closed: ${e.data.reason}${
          e.data.terminatedBy
            ? ` by ${e.data.terminatedBy.subject}${e.data.terminationReason ? ` (${e.data.terminationReason})` : ''}`
            : ''
        } (${e.data.commands} commands)`,
      };
      if (session?.protocol === 'ssh') {
        return build(SshActivity, 2, e, {
          // SSH Activity has no actor in 1.8.0: who it was is in the session's Authentication event.
          ...parts,
          src_endpoint: sourceOf(session.clientAddress),
          dst_endpoint: targetOf(session),
        });
      }
      return build(Authentication, 2, e, {
        ...parts,
        ...authenticationParts(session, session?.identity, e.metadata.actor, e.data.sessionId),
      });
    }
    case 'UpstreamCredentialIssued':
      return build(Authentication, 4, e, {
        ...statusOf(Status.Success),
        message: `upstream credential issued (${e.data.mechanism}): ${credentialText(e.data)}`,
        ...authenticationParts(session, session?.identity, e.metadata.actor, e.data.sessionId),
      });
    case 'UpstreamCredentialRevoked':
      return build(Authentication, 2, e, {
        ...statusOf(Status.Success),
        status_detail: e.data.reason,
        message: `upstream credential revoked (${e.data.mechanism}${e.data.role ? ` ${e.data.role}` : ''}): ${e.data.reason}`,
        ...authenticationParts(session, session?.identity, e.metadata.actor, e.data.sessionId),
      });
    case 'CommandReceived':
      return command(e, context, {
        ...statusOf(Status.Unknown),
        message: `${e.data.protocol === 'ssh' ? 'command' : 'statement'} ${e.data.sequence} received`,
        text: e.data.text,
      });
    case 'CommandDecided': {
      const outcome = e.data.outcome;
      const disposition =
        outcome === 'allow'
          ? Disposition.Allowed
          : outcome === 'deny'
            ? Disposition.Blocked
            : Disposition.Delayed;
      return command(e, context, {
        ...statusOf(
          outcome === 'allow' ? Status.Success : outcome === 'deny' ? Status.Failure : Status.Other,
        ),
        status_detail: e.data.reasons.join('; ') || undefined,
        ...securityControl(
          outcome === 'allow' ? Action.Allowed : outcome === 'deny' ? Action.Denied : Action.Other,
          disposition,
        ),
        severity_id: outcome === 'deny' ? Severity.Medium : Severity.Informational,
        message: `${e.data.sequence} decided: ${outcome}${e.data.approvalId ? ` (approval ${e.data.approvalId})` : ''}`,
      });
    }
    case 'CommandForwarded':
      return command(e, context, {
        ...statusOf(Status.Success),
        message: `${e.data.sequence} forwarded`,
      });
    case 'CommandCompleted':
      return command(e, context, {
        ...statusOf(e.data.error ? Status.Failure : Status.Success),
        ...(e.data.error ? { status_code: e.data.error.code, status_detail: e.data.error.message } : {}),
        duration: e.data.durationMs,
        message: `${e.data.sequence} completed${e.data.commandTag ? `: ${e.data.commandTag}` : ''}${
          e.data.rows === null ? '' : ` (${e.data.rows} rows)`
        }`,
      });
    case 'ResultMasked':
      return command(e, context, {
        ...statusOf(Status.Success),
        message: `${e.data.sequence} result masked: ${e.data.columns
          .map((c) => `${c.column} ${c.method} ×${c.count}`)
          .join(', ')}`,
      });
    case 'CommandOutcomeUnknown':
      return command(e, context, {
        ...statusOf(Status.Unknown),
        status_detail: e.data.reason,
        severity_id: Severity.Low,
        message: `${e.data.sequence} outcome unknown (${e.data.forwarded ? 'forwarded' : 'maybe not forwarded'}): ${e.data.reason}`,
      });
    case 'CommandBlocked':
      return finding(e, context, {
        activity: 1,
        uid: e.id,
        title: 'Command blocked',
        desc: e.data.reason,
        disposition: Disposition.Blocked,
        action: Action.Denied,
        status: FindingStatus.Resolved,
        severity: Severity.Medium,
        actorIdentity: session?.identity,
      });
    case 'CommandsUnrecorded':
      return finding(e, context, {
        activity: 1,
        uid: e.id,
        title: 'Commands not recorded',
        desc: `${e.data.commands} commands (${e.data.firstSequence}-${e.data.lastSequence}) have no events: ${e.data.reason}`,
        status: FindingStatus.New,
        severity: Severity.High,
        actorIdentity: session?.identity,
      });
    case 'SessionsUnrecorded':
      return finding(e, context, {
        activity: 1,
        uid: e.id,
        title: 'Rejected sessions not recorded',
        desc: `${e.data.sessions} refused connections between ${e.data.firstAt} and ${e.data.lastAt} have no SessionRejected`,
        status: FindingStatus.New,
        severity: Severity.High,
      });
    case 'ApprovalRequested':
      return finding(e, context, {
        activity: 1,
        uid: e.data.approvalId,
        title: `Approval requested (${e.data.scope})`,
        desc: e.data.reason,
        disposition: Disposition.Delayed,
        status: FindingStatus.New,
        severity: Severity.Low,
        actorIdentity: e.data.requester,
        targetName: e.data.targetName,
      });
    case 'ApprovalGranted':
      return approvalOutcome(
        e,
        context,
        'Approval granted',
        Disposition.Approved,
        e.data.approver,
        e.data.comment,
      );
    case 'ApprovalDenied':
      return approvalOutcome(
        e,
        context,
        'Approval denied',
        Disposition.Rejected,
        e.data.approver,
        e.data.comment,
      );
    case 'ApprovalExpired':
      return approvalOutcome(e, context, 'Approval expired', Disposition.Blocked);
    case 'ApprovalCancelled':
      return approvalOutcome(e, context, 'Approval cancelled', Disposition.Blocked, undefined, e.data.reason);
    case 'ApprovalDecisionRefused':
      return finding(e, context, {
        activity: 2,
        uid: e.data.approvalId,
        title: `Approval ${e.data.attempted} refused: ${e.data.reason}`,
        desc: e.data.detail,
        disposition: Disposition.Unauthorized,
        action: Action.Denied,
        status: FindingStatus.InProgress,
        severity: Severity.Medium,
        actorUser: approverUser(e.data.by),
        targetName: context.approval?.targetName,
      });
    // An operator taking access away: findings a SOC wants next to the sessions they end.
    case 'SessionTerminationRequested':
      return finding(e, context, {
        activity: 1,
        uid: e.data.sessionId,
        title: 'Session termination requested',
        desc: e.data.reason,
        disposition: Disposition.Blocked,
        action: Action.Denied,
        status: FindingStatus.InProgress,
        severity: Severity.Medium,
        actorUser: approverUser(e.data.requestedBy),
      });
    case 'IdentityRevoked':
      return finding(e, context, {
        activity: 1,
        uid: e.data.revocationId,
        title: `Identity revoked: ${
          'appId' in e.data.identity
            ? `app ${e.data.identity.appId}`
            : `${e.data.identity.subject} of ${e.data.identity.issuer}`
        }`,
        desc: e.data.reason,
        disposition: Disposition.Blocked,
        action: Action.Denied,
        status: FindingStatus.New,
        severity: Severity.High,
        actorUser: approverUser(e.data.revokedBy),
      });
    case 'IdentityRevocationLifted':
      return finding(e, context, {
        activity: 3,
        uid: e.data.revocationId,
        title: 'Identity revocation lifted',
        desc: e.data.reason ?? 'lifted',
        disposition: Disposition.Allowed,
        action: Action.Allowed,
        status: FindingStatus.Resolved,
        severity: Severity.Low,
        actorUser: approverUser(e.data.liftedBy),
      });
    case 'AuditAnchorSigned':
      // The anchor itself travels whole in unmapped.portcullis.anchor: audit verify --anchors reads it there.
      return build(
        EventLogActivity,
        99,
        e,
        {
          ...statusOf(Status.Success),
          message: `audit anchor ${e.data.sequence} signed: ${e.data.streams} streams, ${e.data.events} events up to ${e.data.asOf}`,
          log_name: 'portcullis',
          log_provider: 'Portcullis',
          actor: { app_name: 'portcullis' },
          device: { name: e.metadata.gatewayInstance, type_id: DEVICE_SERVER, type: 'Server' },
        },
        { anchor: e.data },
      );
    // ShadowDecisionDiffered: a candidate policy's opinion, for policy authors; nothing a SIEM must know of.
    case 'OutputRecorded':
    case 'SessionsRecovered':
    case 'ShadowDecisionDiffered':
      return undefined;
    default:
      // Policy events and any type this build does not know.
      return undefined;
  }
}

type Parts = Record<string, unknown>;

/** What an issued credential is, in words: names and validity only (an event never holds the secret). */
function credentialText(data: UpstreamCredentialIssuedData): string {
  const what = data.role
    ? `role ${data.role} in ${data.grantedRole ?? '?'}`
    : data.grantedRole
      ? `SET ROLE ${data.grantedRole}`
      : `certificate ${data.keyId ?? '?'} serial ${data.serial ?? '?'} for ${data.principal ?? '?'}`;
  return data.validUntil ? `${what}, valid until ${data.validUntil}` : what;
}

function build(
  cls: OcsfClass,
  activityId: number,
  event: RecordedEvent,
  parts: Parts,
  extra: Parts = {},
): OcsfEvent {
  const time = Date.parse(event.metadata.recordedAt);
  const severity = (parts.severity_id as number | undefined) ?? Severity.Informational;
  const profiles = parts.disposition_id !== undefined ? ['security_control'] : undefined;
  return compact({
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    activity_id: activityId,
    activity_name: cls.activities[activityId],
    type_uid: cls.uid * 100 + activityId,
    type_name: `${cls.name}: ${cls.activities[activityId]}`,
    time,
    ...parts,
    severity_id: severity,
    severity: SEVERITY_NAMES[severity],
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      product: { name: 'Portcullis', vendor_name: 'Portcullis' },
      event_code: event.type,
      log_name: event.streamName,
      correlation_uid: event.metadata.$correlationId,
      logged_time: time,
      ...(profiles ? { profiles } : {}),
    },
    unmapped: {
      portcullis: {
        position: formatPosition(event.position),
        stream: event.streamName,
        revision: event.revision,
        hash: event.hash,
        prev_hash: event.metadata.prevHash,
        schema_version: event.schemaVersion,
        causation_id: event.metadata.$causationId,
        gateway_instance: event.metadata.gatewayInstance,
        ...sequenceOf(event),
        ...extra,
      },
    },
  }) as unknown as OcsfEvent;
}

/** A statement (Datastore Activity: Query) or an SSH command (Process Activity: Launch). */
function command(
  e: Recorded<SessionEvent>,
  context: OcsfContext,
  parts: Parts & { text?: string },
): OcsfEvent {
  const { text, ...rest } = parts;
  const data = e.data as { sessionId: string; sequence?: number; protocol?: string };
  const session = context.session;
  const protocol = data.protocol ?? session?.protocol;
  const actor = actorOf(session?.identity, e.metadata.actor, data.sessionId);
  if (protocol === 'ssh') {
    return build(ProcessActivity, 1, e, {
      ...rest,
      actor,
      device: { name: session?.targetName ?? 'unknown', type_id: DEVICE_SERVER, type: 'Server' },
      process: compact({ uid: `${data.sessionId}/${data.sequence ?? 0}`, cmd_line: text }),
    });
  }
  return build(DatastoreActivity, 4, e, {
    ...rest,
    actor,
    src_endpoint: sourceOf(session?.clientAddress),
    ...(session ? { dst_endpoint: targetOf(session) } : {}),
    database: { name: session?.targetName ?? 'unknown', type_id: DATABASE_RELATIONAL, type: 'Relational' },
    ...(text === undefined
      ? {}
      : { query_info: { uid: `${data.sessionId}/${data.sequence ?? 0}`, query_string: text } }),
  });
}

interface FindingParts {
  activity: number;
  uid: string;
  title: string;
  desc: string;
  disposition?: number;
  action?: number;
  status: number;
  severity: number;
  actorIdentity?: Identity;
  actorUser?: Parts;
  targetName?: string;
}

function finding(e: RecordedEvent, context: OcsfContext, f: FindingParts): OcsfEvent {
  const session = context.session;
  const targetName = f.targetName ?? session?.targetName;
  const actor = f.actorUser
    ? { user: f.actorUser }
    : actorOf(f.actorIdentity, e.metadata.actor, session?.sessionId);
  return build(DetectionFinding, f.activity, e, {
    message: `${f.title}: ${f.desc}`,
    severity_id: f.severity,
    status_id: f.status,
    status: FINDING_STATUS_NAMES[f.status],
    ...(f.disposition === undefined ? {} : securityControl(f.action, f.disposition)),
    finding_info: {
      uid: f.uid,
      title: f.title,
      desc: f.desc,
      types: [e.type],
      ...(session ? { related_events: [{ uid: session.sessionId, type: 'session' }] } : {}),
    },
    evidences: [
      compact({
        actor,
        ...(session
          ? { src_endpoint: sourceOf(session.clientAddress), dst_endpoint: targetOf(session) }
          : {}),
      }),
    ],
    ...(targetName ? { resources: [{ name: targetName, type: session?.protocol ?? 'target' }] } : {}),
  });
}

function approvalOutcome(
  e: Recorded<ApprovalEvent>,
  context: OcsfContext,
  title: string,
  disposition: number,
  approver?: Approver,
  comment?: string,
): OcsfEvent {
  const approval = context.approval;
  return finding(e, context, {
    activity: 3,
    uid: (e.data as { approvalId: string }).approvalId,
    title,
    desc: comment ?? title,
    disposition,
    ...(disposition === Disposition.Approved ? { action: Action.Allowed } : { action: Action.Denied }),
    status: FindingStatus.Resolved,
    severity: Severity.Low,
    ...(approver ? { actorUser: approverUser(approver) } : { actorIdentity: approval?.requester }),
    targetName: approval?.targetName,
  });
}

function authenticationParts(
  session: SessionFacts | undefined,
  identity: Identity | undefined,
  metadataActor: string,
  sessionId = session?.sessionId,
): Parts {
  return {
    auth_protocol_id: AUTH_PROTOCOL_OPENID,
    auth_protocol: 'OpenID',
    logon_type_id: LOGON_TYPE_NETWORK,
    logon_type: 'Network',
    is_remote: true,
    user: identity ? userOf(identity) : unknownUser(metadataActor),
    actor: actorOf(identity, metadataActor, sessionId),
    src_endpoint: sourceOf(session?.clientAddress),
    ...(session
      ? { dst_endpoint: targetOf(session), service: { name: session.targetName } }
      : { service: { name: 'unknown' } }),
    ...(sessionId ? { session: compact({ uid: sessionId, issuer: identity?.issuer, is_remote: true }) } : {}),
  };
}

/** The service principal (or user) a token proved: app id, tenant, groups. */
function userOf(identity: Identity): Parts {
  const type =
    identity.kind === 'service_principal'
      ? UserType.Service
      : identity.kind === 'user'
        ? UserType.User
        : UserType.Unknown;
  return compact({
    uid: identity.subject,
    uid_alt: identity.app_id,
    name: identity.app_id ?? identity.subject,
    type_id: type,
    type: type === UserType.Service ? 'Service' : type === UserType.User ? 'User' : 'Unknown',
    groups: identity.groups.length ? identity.groups.map((name) => ({ name })) : undefined,
    org: identity.tenant_id ? { uid: identity.tenant_id } : undefined,
  });
}

function approverUser(approver: Approver): Parts {
  return compact({
    uid: approver.subject,
    uid_alt: approver.app_id,
    name: approver.app_id ?? approver.subject,
  });
}

/** Who, when only the event's `metadata.actor` (a subject, or `system`) is known. */
function unknownUser(metadataActor: string): Parts {
  return { name: metadataActor || 'unknown', type_id: UserType.Unknown, type: 'Unknown' };
}

function actorOf(identity: Identity | undefined, metadataActor: string, sessionId?: string): Parts {
  return compact({
    user: identity ? userOf(identity) : unknownUser(metadataActor),
    session: sessionId ? compact({ uid: sessionId, issuer: identity?.issuer }) : undefined,
  });
}

function sourceOf(clientAddress: string | undefined): Parts {
  if (!clientAddress) return { name: 'unknown' };
  return isIP(clientAddress) ? { ip: clientAddress } : { name: clientAddress };
}

function targetOf(session: SessionFacts): Parts {
  return { name: session.targetName, svc_name: session.protocol };
}

function securityControl(action: number | undefined, disposition: number): Parts {
  return {
    ...(action === undefined
      ? {}
      : { action_id: action, action: action === 1 ? 'Allowed' : action === 2 ? 'Denied' : 'Other' }),
    disposition_id: disposition,
    disposition: DISPOSITION_NAMES[disposition],
  };
}

function statusOf(status: number): Parts {
  const names: Record<number, string> = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };
  return { status_id: status, status: names[status] };
}

function sequenceOf(event: RecordedEvent<AnyEvent>): Parts {
  const sequence = (event.data as { sequence?: unknown } | null)?.sequence;
  return typeof sequence === 'number' ? { sequence } : {};
}

/** Drops undefined members, so every attribute present has a value. */
function compact<T extends Parts>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
