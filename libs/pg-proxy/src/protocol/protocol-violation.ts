import { ErrorCode, PortcullisError } from '@portcullis/events';

/** Why a peer's bytes were refused. Each reason maps to one check in the framing or a body parser. */
export type ViolationReason =
  /** A length field smaller than the length field itself (or than the smallest packet). */
  | 'bad-length'
  /** A frame larger than the configured cap: refused before we buffer it. */
  | 'oversized'
  /** A type byte or startup code this protocol version does not define. */
  | 'unknown-type'
  /** A body that does not match its message format: missing NUL, counts past the frame, trailing bytes. */
  | 'malformed'
  /** A well-formed message where none may come (data after Terminate, CancelRequest, or an SSLRequest). */
  | 'unexpected-message';

/**
 * A peer broke the wire protocol. The parsers hand this out as a value in the
 * message stream (like pg-protocol's unknown-message error) instead of
 * throwing from a socket callback; the connection must then be closed, and
 * the parser that produced it refuses all further input.
 */
export class ProtocolViolation extends PortcullisError {
  readonly type = 'protocolViolation' as const;
  readonly reason: ViolationReason;

  constructor(reason: ViolationReason, message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.Validation, `protocol violation: ${message}`, { details: { reason, ...details } });
    this.reason = reason;
  }
}

/**
 * Thrown by the bounds-checked reader while decoding one body; the decoder's
 * single entry point catches it and turns it into a ProtocolViolation value,
 * so it never crosses a module boundary.
 */
export class MalformedBody extends Error {}

/** Runs one body decoder; a cursor overrun becomes a violation value here and nowhere else. */
export function decoding<T>(decode: () => T | ProtocolViolation): T | ProtocolViolation {
  try {
    return decode();
  } catch (error) {
    if (error instanceof MalformedBody) return new ProtocolViolation('malformed', error.message);
    throw error;
  }
}

export function badLength(length: number): ProtocolViolation {
  return new ProtocolViolation('bad-length', `invalid message length ${length}`, { length });
}

export function oversized(length: number, limit: number): ProtocolViolation {
  return new ProtocolViolation('oversized', `message of ${length} bytes exceeds the limit of ${limit}`, {
    length,
    limit,
  });
}

/** Narrows a decoder's result: every decoder returns its value or a violation. */
export function isProtocolViolation(value: unknown): value is ProtocolViolation {
  return value instanceof ProtocolViolation;
}
