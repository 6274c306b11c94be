/**
 * Signature algorithms a configured issuer may use. Only asymmetric ones:
 * we verify with keys from a public JWKS, and an HMAC algorithm "keyed"
 * with a public key is the classic forgery (RFC 8725, 2.1). `none` is
 * never accepted either.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** The default allow-list: every asymmetric algorithm issuers commonly use. */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ASYMMETRIC_ALGORITHMS.filter(
  (alg) => alg !== 'Ed25519',
);
