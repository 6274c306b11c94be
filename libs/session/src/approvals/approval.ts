import type {
  ApprovalEvent,
  ApprovalRefusalReason,
  ApprovalRequestedData,
  Approver,
  Identity,
} from '@portcullis/events';

/**
 * The approval aggregate (`approval-<id>` stream) as a pure decider:
 * `evolve` folds events into state, `decide` turns a command into the events
 * to append, or a refusal (which is itself recorded, as
 * ApprovalDecisionRefused). The same fold serves the proxies waiting on an
 * approval and the gateway deciding one, so they cannot disagree on what
 * "granted" means.
 */
export type ApprovalStatus = 'pending' | 'granted' | 'denied' | 'expired' | 'cancelled';

export interface ApprovalState {
  readonly id: string;
  readonly request: ApprovalRequestedData;
  readonly status: ApprovalStatus;
  /** Distinct approvers who granted, in order. */
  readonly grantedBy: readonly Approver[];
  readonly deniedBy: Approver | undefined;
  /** When the status left `pending` (the decisive event's recording time). */
  readonly decidedAt: Date | undefined;
}

/** The one who decides: their identity as their token proved it. */
export type Decider = Pick<Identity, 'subject' | 'issuer' | 'app_id' | 'groups'>;

export type ApprovalCommand =
  | { readonly kind: 'request'; readonly request: ApprovalRequestedData }
  | { readonly kind: 'grant'; readonly by: Decider; readonly comment?: string }
  | { readonly kind: 'deny'; readonly by: Decider; readonly comment?: string }
  | { readonly kind: 'expire' }
  | { readonly kind: 'cancel'; readonly reason: string };

export type Decision =
  | { readonly ok: true; readonly events: readonly ApprovalEvent[] }
  | {
      readonly ok: false;
      readonly reason: ApprovalRefusalReason;
      readonly detail: string;
      /** The event that records the refused attempt (grant/deny only). */
      readonly events: readonly ApprovalEvent[];
    };

export function initialState(id: string, request: ApprovalRequestedData): ApprovalState {
  return { id, request, status: 'pending', grantedBy: [], deniedBy: undefined, decidedAt: undefined };
}

/** Folds one event (recorded at `at`) into the state; `undefined` until ApprovalRequested. */
export function evolve(
  state: ApprovalState | undefined,
  event: ApprovalEvent,
  at: Date,
): ApprovalState | undefined {
  if (event.type === 'ApprovalRequested') return state ?? initialState(event.data.approvalId, event.data);
  if (state === undefined || state.status !== 'pending') return state;
  switch (event.type) {
    case 'ApprovalGranted': {
      if (state.grantedBy.some((a) => sameApprover(a, event.data.approver))) return state;
      const grantedBy = [...state.grantedBy, event.data.approver];
      return grantedBy.length >= state.request.minApprovals
        ? { ...state, grantedBy, status: 'granted', decidedAt: at }
        : { ...state, grantedBy };
    }
    case 'ApprovalDenied':
      return { ...state, status: 'denied', deniedBy: event.data.approver, decidedAt: at };
    case 'ApprovalExpired':
      return { ...state, status: 'expired', decidedAt: at };
    case 'ApprovalCancelled':
      return { ...state, status: 'cancelled', decidedAt: at };
    case 'ApprovalDecisionRefused':
      return state;
  }
}

/**
 * What a command does to an approval at time `now`. Rules (docs/architecture.md, README "Just-in-time approvals"):
 * no self-approval (same subject at the same issuer, or the same
 * application); the approver belongs to one of the approver groups; grants
 * count distinct approvers up to `minApprovals`; nothing is decided after
 * expiry; the same decision twice by the same approver is a no-op.
 */
export function decide(
  approvalId: string,
  state: ApprovalState | undefined,
  command: ApprovalCommand,
  now: Date,
): Decision {
  if (command.kind === 'request') {
    // A request opens its stream; asking again for an existing one changes nothing.
    if (state !== undefined) return { ok: true, events: [] };
    return { ok: true, events: [{ type: 'ApprovalRequested', data: command.request }] };
  }
  if (command.kind === 'expire') {
    if (state?.status !== 'pending') return { ok: true, events: [] };
    if (now < new Date(state.request.expiresAt)) return { ok: true, events: [] };
    return { ok: true, events: [{ type: 'ApprovalExpired', data: { approvalId } }] };
  }
  if (command.kind === 'cancel') {
    if (state?.status !== 'pending') return { ok: true, events: [] };
    return {
      ok: true,
      events: [{ type: 'ApprovalCancelled', data: { approvalId, reason: command.reason } }],
    };
  }
  const approver = approverOf(command.by);
  const refuse = (reason: ApprovalRefusalReason, detail: string): Decision => ({
    ok: false,
    reason,
    detail,
    events: [
      {
        type: 'ApprovalDecisionRefused',
        data: { approvalId, attempted: command.kind, by: approver, reason, detail },
      },
    ],
  });
  if (state === undefined) return refuse('unknown_approval', `approval ${approvalId} does not exist`);
  if (state.status !== 'pending') {
    if (isRepeat(state, command.kind, approver)) return { ok: true, events: [] };
    if (state.status === 'expired') {
      return refuse('expired', `approval ${approvalId} expired at ${state.request.expiresAt}`);
    }
    return refuse('already_decided', `approval ${approvalId} is already ${state.status}`);
  }
  if (command.kind === 'grant' && state.grantedBy.some((a) => sameApprover(a, approver))) {
    return { ok: true, events: [] };
  }
  if (now >= new Date(state.request.expiresAt)) {
    return refuse('expired', `approval ${approvalId} expired at ${state.request.expiresAt}`);
  }
  if (isSelfApproval(state.request.requester, command.by)) {
    return refuse('self_approval', 'a requester cannot decide their own request');
  }
  const groups = state.request.approverGroups;
  if (!command.by.groups.some((g) => groups.includes(g))) {
    return refuse('not_an_approver', `the approver must belong to one of: ${groups.join(', ') || '(none)'}`);
  }
  const comment = command.comment === undefined ? {} : { comment: command.comment };
  return command.kind === 'grant'
    ? { ok: true, events: [{ type: 'ApprovalGranted', data: { approvalId, approver, ...comment } }] }
    : { ok: true, events: [{ type: 'ApprovalDenied', data: { approvalId, approver, ...comment } }] };
}

/** Folds a whole stream. */
export function foldApproval(
  events: readonly { event: ApprovalEvent; recordedAt: Date }[],
): ApprovalState | undefined {
  return events.reduce<ApprovalState | undefined>((s, e) => evolve(s, e.event, e.recordedAt), undefined);
}

function isSelfApproval(requester: Identity, by: Decider): boolean {
  if (requester.subject === by.subject && requester.issuer === by.issuer) return true;
  return requester.app_id !== undefined && requester.app_id !== '' && requester.app_id === by.app_id;
}

function isRepeat(state: ApprovalState, kind: 'grant' | 'deny', approver: Approver): boolean {
  if (kind === 'grant')
    return state.status === 'granted' && state.grantedBy.some((a) => sameApprover(a, approver));
  return state.status === 'denied' && state.deniedBy !== undefined && sameApprover(state.deniedBy, approver);
}

function sameApprover(a: Approver, b: Approver): boolean {
  return a.subject === b.subject && a.issuer === b.issuer;
}

function approverOf(by: Decider): Approver {
  return { subject: by.subject, issuer: by.issuer, ...(by.app_id ? { app_id: by.app_id } : {}) };
}
