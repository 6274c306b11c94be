/**
 * @portcullis/audit — what proxies use to write their sessions' events
 * (and, later, to await approvals).
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
} from './session/session-recorder.js';
export { AuditBacklog, DEFAULT_BACKLOG_EVENTS } from './session/audit-backlog.js';
export { AuditWaitEnded } from './session/bounded-wait.js';
export { recoverSessions, type RecoveryReport } from './session/recover-sessions.js';
export { AuditBuffer, AuditBufferFullError } from './session/audit-buffer.js';
export {
  admitSession,
  admitSessionWithApprovals,
  DEFAULT_SESSION_WINDOW_SECONDS,
  type Admission,
  type AdmissionRequest,
} from './session-admission.js';
export { isLoopbackAddress } from './loopback.js';
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
