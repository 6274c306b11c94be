import { ErrorCode, PortcullisError } from '@portcullis/events';

/**
 * The upstream server refused our credentials, or could not prove it knew
 * them (SCRAM server signature). `sqlState` is the server's code when it sent
 * an ErrorResponse (28P01 for a wrong password).
 */
export class UpstreamAuthenticationError extends PortcullisError {
  readonly sqlState: string | undefined;
  constructor(message: string, options: { sqlState?: string; cause?: unknown } = {}) {
    super(ErrorCode.Unauthenticated, `upstream authentication failed: ${message}`, {
      cause: options.cause,
      details: { sqlState: options.sqlState },
    });
    this.sqlState = options.sqlState;
  }
}

/** The upstream connection broke, timed out, refused TLS, or spoke something other than the protocol. */
export class UpstreamConnectionError extends PortcullisError {
  readonly sqlState: string | undefined;
  constructor(message: string, options: { sqlState?: string; cause?: unknown } = {}) {
    super(ErrorCode.Unavailable, `upstream connection failed: ${message}`, {
      cause: options.cause,
      details: { sqlState: options.sqlState },
    });
    this.sqlState = options.sqlState;
  }
}
