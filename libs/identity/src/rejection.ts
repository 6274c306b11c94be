import type { Identity } from './identity.js';

/**
 * Why a token was refused. This goes into the audit event (`SessionRejected`);
 * the client itself is only ever told "authentication failed".
 */
export type RejectionReason =
  | 'malformed'
  | 'too_large'
  | 'encrypted_token'
  | 'duplicate_claim'
  | 'unsupported_critical_header'
  | 'algorithm_not_allowed'
  | 'wrong_issuer'
  | 'wrong_tenant'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'groups_overage'
  | 'jwks_unavailable'
  | 'internal_error';

/** The verified claims set, as the issuer wrote it. */
export type VerifiedClaims = Readonly<Record<string, unknown>>;

export type VerificationResult =
  | { ok: true; identity: Identity; claims: VerifiedClaims }
  | { ok: false; reason: RejectionReason; detail: string };

export type Rejection = Extract<VerificationResult, { ok: false }>;
