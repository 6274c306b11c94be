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
} from './session/session-recorder.js';
