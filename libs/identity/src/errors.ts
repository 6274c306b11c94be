import { ErrorCode, PortcullisError, ValidationError } from '@portcullis/events';
import type { RejectionReason } from './rejection.js';

/** The identity section of the configuration is invalid; raised at start-up, never per token. */
export class IdentityConfigError extends ValidationError {}

/**
 * A token was refused. Raised inside the verification steps and turned into
 * a `VerificationResult` value at `verify()`, so callers never see a throw.
 * `detail` is built from our own words and bounded claim excerpts, never
 * from the token text.
 */
export class TokenRejectedError extends PortcullisError {
  readonly reason: RejectionReason;
  readonly detail: string;
  constructor(reason: RejectionReason, detail: string, cause?: unknown) {
    super(ErrorCode.Unauthenticated, `token rejected (${reason}): ${detail}`, {
      cause,
      details: { reason },
    });
    this.reason = reason;
    this.detail = detail;
  }
}

/** The JWKS (or discovery document) could not be fetched or was unusable. */
export class JwksUnavailableError extends PortcullisError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.Unavailable, message, { cause });
  }
}
