/**
 * Messages a client sends (frontend → backend), as the proxy sees them.
 *
 * Every message keeps `frame`: a view of its exact bytes on the wire (type
 * byte, length and body), so the proxy can forward what it decided on
 * without re-serializing it. Byte-valued fields are views into that frame.
 * Strings are decoded as UTF-8, the encoding the proxy requires of clients.
 */
import { type ProtocolViolation } from './protocol-violation.js';

interface Framed {
  /** The whole frame as received; forward this to send the message on unchanged. */
  readonly frame: Buffer;
}

export type FormatCode = 0 | 1;

export interface StartupMessage extends Framed {
  readonly type: 'startup';
  readonly protocolVersion: { readonly major: number; readonly minor: number };
  /** Null-prototype map of startup parameters (`user`, `database`, `options`, `application_name`, …). */
  readonly parameters: Readonly<Record<string, string>>;
}

export interface SSLRequest extends Framed {
  readonly type: 'sslRequest';
}

export interface GSSENCRequest extends Framed {
  readonly type: 'gssEncRequest';
}

export interface CancelRequest extends Framed {
  readonly type: 'cancelRequest';
  readonly processId: number;
  readonly secretKey: number;
}

export interface Query extends Framed {
  readonly type: 'query';
  readonly sql: string;
}

export interface Parse extends Framed {
  readonly type: 'parse';
  readonly statementName: string;
  readonly sql: string;
  /** Parameter type OIDs; 0 leaves the type to the server. */
  readonly parameterTypes: readonly number[];
}

export interface Bind extends Framed {
  readonly type: 'bind';
  readonly portalName: string;
  readonly statementName: string;
  /** Empty: all text; one entry: applies to all; otherwise one per parameter. */
  readonly parameterFormats: readonly FormatCode[];
  /** Parameter values as views into the frame; null is SQL NULL. */
  readonly parameters: readonly (Buffer | null)[];
  readonly resultFormats: readonly FormatCode[];
}

export interface Describe extends Framed {
  readonly type: 'describe';
  readonly target: 'statement' | 'portal';
  readonly name: string;
}

export interface Execute extends Framed {
  readonly type: 'execute';
  readonly portalName: string;
  /** 0 means no limit. */
  readonly maxRows: number;
}

export interface Close extends Framed {
  readonly type: 'close';
  readonly target: 'statement' | 'portal';
  readonly name: string;
}

export interface FunctionCall extends Framed {
  readonly type: 'functionCall';
  readonly functionId: number;
  readonly argumentFormats: readonly FormatCode[];
  readonly arguments: readonly (Buffer | null)[];
  readonly resultFormat: FormatCode;
}

export interface CopyData extends Framed {
  readonly type: 'copyData';
  readonly data: Buffer;
}

export interface CopyFail extends Framed {
  readonly type: 'copyFail';
  readonly reason: string;
}

/**
 * A `p` message: PasswordMessage, SASLInitialResponse or SASLResponse share
 * the type byte, and only the authentication state says which one it is;
 * see `authentication-response.ts` to read it once that state is known.
 */
export interface AuthenticationResponse extends Framed {
  readonly type: 'authenticationResponse';
  readonly data: Buffer;
}

export interface Sync extends Framed {
  readonly type: 'sync';
}
export interface Flush extends Framed {
  readonly type: 'flush';
}
export interface CopyDone extends Framed {
  readonly type: 'copyDone';
}
export interface Terminate extends Framed {
  readonly type: 'terminate';
}

/** Packets of the untyped startup phase. */
export type StartupPacket = StartupMessage | SSLRequest | GSSENCRequest | CancelRequest;

export type FrontendMessage =
  | StartupPacket
  | Query
  | Parse
  | Bind
  | Describe
  | Execute
  | Sync
  | Flush
  | Close
  | FunctionCall
  | CopyData
  | CopyDone
  | CopyFail
  | Terminate
  | AuthenticationResponse;

/** What a frontend parser emits: a message, or the violation that ended the stream. */
export type FrontendParseResult = FrontendMessage | ProtocolViolation;

/** A raw backend frame: its type byte and a view of the whole frame. */
export interface BackendFrame {
  readonly code: number;
  readonly frame: Buffer;
}
