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
  type MaskedColumns,
} from './session/session-recorder.js';
export { admitSession, type Admission, type AdmissionRequest } from './session-admission.js';
export { isLoopbackAddress } from './loopback.js';
