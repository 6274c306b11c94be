export {
  createTokenVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './verifier/token-verifier.js';
export type { Identity, IdentityKind } from './identity.js';
export type { RejectionReason, VerificationResult, VerifiedClaims, Rejection } from './rejection.js';
export {
  IdentityConfigSchema,
  IssuerConfigSchema,
  ClaimPathsSchema,
  type IdentityConfig,
  type IssuerConfig,
  type ClaimPaths,
} from './config/identity-config-schema.js';
export { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS, type AsymmetricAlgorithm } from './config/algorithms.js';
export { validateIdentityConfig } from './config/resolve-identity-config.js';
export { endpointUrlProblem } from './config/endpoint-url.js';
export { IdentityConfigError, TokenRejectedError, JwksUnavailableError } from './errors.js';
export type { FetchJson } from './jwks/fetch-json.js';
