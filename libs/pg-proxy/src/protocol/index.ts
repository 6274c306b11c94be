export { FrontendParser, type FrontendParserOptions } from './frontend-parser.js';
export { BackendFrameReader, type BackendFrameReaderOptions } from './backend-frame-reader.js';
export { isProtocolViolation, ProtocolViolation, type ViolationReason } from './protocol-violation.js';
export type * from './messages.js';
export type * from './backend-messages.js';
export * as backend from './backend-serializer.js';
export * as frontend from './frontend-serializer.js';
export {
  decodeAuthenticationRequest,
  decodeBackendKeyData,
  decodeCommandComplete,
  decodeNoticeFields,
  decodeParameterStatus,
  decodeReadyForQuery,
} from './backend-decoders.js';
export { decodeDataRow, decodeRowDescription } from './row-decoder.js';
export {
  readPasswordMessage,
  readSASLInitialResponse,
  readSASLResponse,
  type SASLInitialResponse,
} from './authentication-response.js';
export {
  DEFAULT_MAX_AUTHENTICATION_RESPONSE_SIZE,
  DEFAULT_MAX_BACKEND_MESSAGE_SIZE,
  DEFAULT_MAX_FRONTEND_MESSAGE_SIZE,
  DEFAULT_MAX_STARTUP_PACKET_SIZE,
} from './message-codes.js';
