/**
 * The numbers of the PostgreSQL v3 wire protocol
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html).
 *
 * Kept as `const enum`s so every use compiles to a literal on the hot path.
 * They stay internal to this package: under `isolatedModules` other projects
 * cannot read a const enum through a declaration file, so the public types
 * name messages with string literals instead.
 */

/** Type bytes of messages a client sends once the startup packet is accepted. */
export const enum FrontendCode {
  Bind = 0x42, // B
  Close = 0x43, // C
  Describe = 0x44, // D
  Execute = 0x45, // E
  FunctionCall = 0x46, // F
  Flush = 0x48, // H
  Parse = 0x50, // P
  Query = 0x51, // Q
  Sync = 0x53, // S
  Terminate = 0x58, // X
  CopyDone = 0x63, // c
  CopyData = 0x64, // d
  CopyFail = 0x66, // f
  AuthenticationResponse = 0x70, // p: PasswordMessage, SASLInitialResponse or SASLResponse
}

/** Type bytes of messages a server sends. */
export const enum BackendCode {
  ParseComplete = 0x31, // 1
  BindComplete = 0x32, // 2
  CloseComplete = 0x33, // 3
  NotificationResponse = 0x41, // A
  CommandComplete = 0x43, // C
  DataRow = 0x44, // D
  ErrorResponse = 0x45, // E
  CopyInResponse = 0x47, // G
  CopyOutResponse = 0x48, // H
  EmptyQueryResponse = 0x49, // I
  BackendKeyData = 0x4b, // K
  NoticeResponse = 0x4e, // N
  Authentication = 0x52, // R
  ParameterStatus = 0x53, // S
  RowDescription = 0x54, // T
  FunctionCallResponse = 0x56, // V
  CopyBothResponse = 0x57, // W
  ReadyForQuery = 0x5a, // Z
  CopyDone = 0x63, // c
  CopyData = 0x64, // d
  NoData = 0x6e, // n
  PortalSuspended = 0x73, // s
  ParameterDescription = 0x74, // t
  NegotiateProtocolVersion = 0x76, // v
}

/** The int32 that opens an untyped startup-phase packet. */
export const enum StartupCode {
  ProtocolVersion3 = 196608, // 3 << 16 | 0: StartupMessage for protocol 3.0
  CancelRequest = 80877102, // 1234 << 16 | 5678
  SSLRequest = 80877103, // 1234 << 16 | 5679
  GSSENCRequest = 80877104, // 1234 << 16 | 5680
}

/** The int32 subtype of an Authentication (`R`) message. */
export const enum AuthenticationCode {
  Ok = 0,
  KerberosV5 = 2,
  CleartextPassword = 3,
  MD5Password = 5,
  GSS = 7,
  GSSContinue = 8,
  SSPI = 9,
  SASL = 10,
  SASLContinue = 11,
  SASLFinal = 12,
}

/** Every typed message starts with one type byte. */
export const CODE_LENGTH = 1;
/** The int32 length counts itself and the body, never the type byte. */
export const LENGTH_LENGTH = 4;
/** Type byte plus length: what we must hold before a typed frame's size is known. */
export const TYPED_HEADER_LENGTH = CODE_LENGTH + LENGTH_LENGTH;
/** Startup-phase packets have no type byte: the length alone frames them. */
export const STARTUP_HEADER_LENGTH = LENGTH_LENGTH;
/** Length plus the int32 request code: the smallest startup packet there is. */
export const MIN_STARTUP_LENGTH = LENGTH_LENGTH + 4;
/** SSLRequest and GSSENCRequest are exactly a length and a code. */
export const NEGOTIATION_REQUEST_LENGTH = 8;
/** CancelRequest in protocol 3.0: length, code, process id, secret key. */
export const CANCEL_REQUEST_LENGTH = 16;

/** PostgreSQL's own cap on startup packets (MAX_STARTUP_PACKET_LENGTH). */
export const DEFAULT_MAX_STARTUP_PACKET_SIZE = 10_000;
/** PostgreSQL's own cap on an authentication token (PG_MAX_AUTH_TOKEN_LENGTH); OIDC tokens are a few KB. */
export const DEFAULT_MAX_AUTHENTICATION_RESPONSE_SIZE = 65_535;
/** Large enough for big CopyData chunks and Bind parameters, small enough to bound memory per client. */
export const DEFAULT_MAX_FRONTEND_MESSAGE_SIZE = 64 * 1024 * 1024;
/** DataRow values can reach 1 GiB (PostgreSQL's varlena limit); a row may carry a little more. */
export const DEFAULT_MAX_BACKEND_MESSAGE_SIZE = 1024 * 1024 * 1024 + 64 * 1024;
