/**
 * @portcullis/session — the protocol-neutral session core every front end
 * (the PostgreSQL and SSH proxies) is built on:
 * - admission/: may this identity open a session to this target (policy,
 *   session-level approvals and windows);
 * - verdict/: a policy decision plus the host rules → one verdict, and the
 *   one table of refusal texts;
 * - ledger/: the command ledger, the only writer of `session-<id>` streams
 *   (write-ahead pair, after-the-fact events, store outages, crash recovery);
 * - approvals/: the approval aggregate (the only writer of `approval-<id>`
 *   streams), the gate, and the wait a paused command goes through;
 * - lifecycle/: operators taking access away: the live sessions this instance
 *   holds (one "close this live session" step for every proxy), terminations
 *   and identity revocations followed through the store.
 */
export {
  SessionRecorder,
  type RecorderContext,
  type ReceivedCommand,
  type CommandDecision,
  type CommandBlock,
  type CommandCompletion,
  type SessionClosing,
  type RecordedOutput,
  type MaskedColumns,
  type AuditMode,
  type AuditOptions,
  WriteAheadFailed,
  DEFAULT_APPEND_TIMEOUT_MS,
} from './ledger/session-recorder.js';
export { AuditBacklog, DEFAULT_BACKLOG_EVENTS } from './ledger/audit-backlog.js';
export { AuditWaitEnded } from './ledger/bounded-wait.js';
export { recoverSessions, type RecoveryReport } from './ledger/recover-sessions.js';
export { AuditBuffer, AuditBufferFullError } from './ledger/audit-buffer.js';
export {
  admitSession,
  admitSessionWithApprovals,
  DEFAULT_SESSION_WINDOW_SECONDS,
  type Admission,
  type AdmissionRequest,
} from './admission/session-admission.js';
export { isLoopbackAddress } from './admission/loopback.js';
export {
  DEFAULT_UNAUTHENTICATED_LIMITS,
  UnauthenticatedConnections,
  type Admission as ConnectionAdmission,
  type RefusalLogger,
  type UnauthenticatedLimits,
} from './admission/unauthenticated-connections.js';

export {
  decide as decideApproval,
  evolve as evolveApproval,
  foldApproval,
  type ApprovalState,
  type ApprovalStatus,
  type ApprovalCommand,
  type Decider,
  type Decision as ApprovalDecision,
} from './approvals/approval.js';
export {
  runApprovalCommand,
  asApprovalEvent,
  type ApprovalWriter,
  type ApprovalCommandResult,
} from './approvals/approval-stream.js';
export {
  StoreApprovalGate,
  type ApprovalGate,
  type ApprovalRequest,
  type ApprovalOutcome,
  type PendingApproval,
  type SessionGrant,
  type StoreApprovalGateOptions,
} from './approvals/approval-gate.js';
export {
  awaitReview,
  reviewRequestOf,
  type ReviewRequest,
  type ReviewedCommand,
  type ReviewChannel,
  type ReviewResult,
} from './approvals/await-review.js';
export { awaitApproval, type ReviewContext } from './approvals/await-approval.js';
export { writeAhead, writeAheadRunning, type LedgerLogger } from './ledger/write-ahead.js';
export {
  verdictOf,
  reusedVerdict,
  hostDecision,
  refusedVerdict,
  type Verdict,
  type VerdictOptions,
} from './verdict/verdict.js';
export { Refusals, denied, DENIED_PREFIX } from './verdict/refusals.js';
export { DecisionCache } from './verdict/decision-cache.js';
export {
  ShadowPolicy,
  decisionsDiffer,
  type ComparableDecision,
  type ShadowDifference,
} from './verdict/shadow-policy.js';
export {
  StoreAccessLifecycle,
  type AccessLifecycle,
  type LifecycleLogger,
  type LifecycleRefusal,
  type StoreAccessLifecycleOptions,
} from './lifecycle/access-lifecycle.js';
export {
  LiveSessions,
  goodbyeOf,
  type HeldSession,
  type LiveSession,
  type Termination,
} from './lifecycle/live-sessions.js';
export {
  RevocationSet,
  revokes,
  type Revocation,
  type RevocableIdentity,
} from './lifecycle/revocation-set.js';
