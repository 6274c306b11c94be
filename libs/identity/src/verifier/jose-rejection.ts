import { errors } from 'jose';
import { JwksUnavailableError, TokenRejectedError } from '../errors.js';
import type { RejectionReason } from '../rejection.js';

/**
 * Translates what jose throws into our reasons, so no jose class leaks out.
 * jose's messages are fixed strings (they never quote the token), so they
 * are safe to keep as detail.
 */
export function joseRejection(error: unknown): TokenRejectedError {
  if (error instanceof TokenRejectedError) return error;
  if (error instanceof JwksUnavailableError)
    return new TokenRejectedError('jwks_unavailable', error.message, error);
  const reason = reasonOf(error);
  const detail =
    error instanceof errors.JOSEError ? error.message : `unexpected ${nameOf(error)} while verifying`;
  return new TokenRejectedError(reason, detail, error);
}

function reasonOf(error: unknown): RejectionReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return claimReason(error);
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  if (error instanceof errors.JOSENotSupported) return 'malformed';
  return 'internal_error';
}

function claimReason(error: InstanceType<typeof errors.JWTClaimValidationFailed>): RejectionReason {
  if (error.reason === 'missing') return 'missing_claim';
  if (error.reason === 'invalid') return 'invalid_claim';
  switch (error.claim) {
    case 'aud':
      return 'wrong_audience';
    case 'iss':
      return 'wrong_issuer';
    case 'nbf':
    case 'iat':
      return 'not_yet_valid';
    default:
      return 'invalid_claim';
  }
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
