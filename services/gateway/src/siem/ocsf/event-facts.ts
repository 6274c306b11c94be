import type { Identity, Recorded, RecordedEvent, SessionEvent, ApprovalEvent } from '@portcullis/events';

/**
 * What a session's or an approval's first event says, which its later events
 * do not repeat (a `CommandBlocked` names only its session and sequence). The
 * OCSF mapping takes them as an argument and stays pure; `EventFacts` in
 * `../event-facts-cache.ts` finds them.
 */
export interface SessionFacts {
  readonly sessionId: string;
  readonly protocol: 'postgres' | 'ssh';
  readonly targetName: string;
  readonly targetLabels: Readonly<Record<string, string>>;
  readonly clientAddress: string;
  /** Absent for a session rejected before its token was accepted. */
  readonly identity?: Identity;
}

export interface ApprovalFacts {
  readonly approvalId: string;
  readonly sessionId: string;
  readonly scope: 'command' | 'session';
  readonly targetName: string;
  readonly requester: Identity;
}

export interface OcsfContext {
  readonly session?: SessionFacts;
  readonly approval?: ApprovalFacts;
}

/** The facts a session's first event (`SessionOpened` or `SessionRejected`) holds; undefined for others. */
export function sessionFactsOf(event: RecordedEvent): SessionFacts | undefined {
  const e = event as Recorded<SessionEvent>;
  if (e.type === 'SessionOpened') {
    return {
      sessionId: e.data.sessionId,
      protocol: e.data.protocol,
      targetName: e.data.target.name,
      targetLabels: e.data.target.labels,
      clientAddress: e.data.clientAddress,
      identity: e.data.identity,
    };
  }
  if (e.type === 'SessionRejected') {
    return {
      sessionId: e.data.sessionId,
      protocol: e.data.protocol,
      targetName: e.data.targetName,
      targetLabels: {},
      clientAddress: e.data.clientAddress,
      ...(e.data.identity ? { identity: e.data.identity } : {}),
    };
  }
  return undefined;
}

/** The facts an approval's first event (`ApprovalRequested`) holds; undefined for others. */
export function approvalFactsOf(event: RecordedEvent): ApprovalFacts | undefined {
  const e = event as Recorded<ApprovalEvent>;
  if (e.type !== 'ApprovalRequested') return undefined;
  return {
    approvalId: e.data.approvalId,
    sessionId: e.data.sessionId,
    scope: e.data.scope,
    targetName: e.data.targetName,
    requester: e.data.requester,
  };
}
