import { entraIdentity } from '../claims/entra-identity.js';
import { genericIdentity } from '../claims/generic-identity.js';
import { checkTenant } from '../claims/tenant-check.js';
import type { IdentityConfig } from '../config/identity-config-schema.js';
import { resolveIdentityConfig } from '../config/resolve-identity-config.js';
import type { ResolvedIssuer } from '../config/resolved-issuer.js';
import { TokenRejectedError } from '../errors.js';
import type { Identity } from '../identity.js';
import { JwksCache } from '../jwks/jwks-cache.js';
import { fetchJson as httpFetchJson, type FetchJson } from '../jwks/fetch-json.js';
import type { VerificationResult } from '../rejection.js';
import { readCompactToken } from '../token/compact-token.js';
import { checkHeader } from '../token/header-policy.js';
import { joseRejection } from './jose-rejection.js';
import { selectIssuer } from './select-issuer.js';
import { verifySignature } from './verify-signature.js';

export interface TokenVerifier {
  /** Never throws: every failure is a typed rejection, and anything unexpected fails closed. */
  verify(token: string): Promise<VerificationResult>;
  /** Fetches every issuer's keys now (at start-up), so the first client does not wait. */
  warm(): Promise<void>;
}

export interface TokenVerifierOptions {
  /** Milliseconds since the epoch; a fake clock in tests. */
  now?: () => number;
  fetchJson?: FetchJson;
}

/** Builds a verifier for the configured issuers; throws IdentityConfigError on a bad configuration. */
export function createTokenVerifier(
  config: IdentityConfig,
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const issuers = resolveIdentityConfig(config);
  const now = options.now ?? Date.now;
  const fetchJson = options.fetchJson ?? httpFetchJson;
  const keySources = new Map(
    issuers.map((issuer) => [issuer, new JwksCache(issuer.issuer, issuer.keys, fetchJson, now)]),
  );
  // Checked before decoding anything, so an oversized token costs one comparison.
  const largestToken = Math.max(...issuers.map((issuer) => issuer.maxTokenBytes));

  async function verifyToken(token: string): Promise<VerificationResult> {
    const unverified = readCompactToken(token, largestToken);
    const { issuer, iss, issTenant } = selectIssuer(issuers, unverified.claims.iss);
    if (token.length > issuer.maxTokenBytes) {
      throw new TokenRejectedError(
        'too_large',
        `token is ${token.length} bytes, the limit is ${issuer.maxTokenBytes}`,
      );
    }
    checkHeader(unverified, issuer.algorithms);
    const at = now();
    const claims = await verifySignature(token, issuer, keySources.get(issuer)!, new Date(at));
    checkIssuedAt(claims.iat, at, issuer.clockSkewSeconds);
    const identity = mapIdentity(claims, issuer, iss);
    checkTenant(identity, issuer, issTenant);
    return { ok: true, identity, claims };
  }

  return {
    async verify(token) {
      try {
        return await verifyToken(token);
      } catch (error) {
        const rejection = joseRejection(error);
        return { ok: false, reason: rejection.reason, detail: rejection.detail };
      }
    },
    async warm() {
      await Promise.all([...keySources.values()].map((keys) => keys.current().catch(() => undefined)));
    },
  };
}

function mapIdentity(
  claims: Readonly<Record<string, unknown>>,
  issuer: ResolvedIssuer,
  iss: string,
): Identity {
  return issuer.flavor === 'entra' ? entraIdentity(claims, iss) : genericIdentity(claims, issuer, iss);
}

/** jose checks `iat` only against a maximum age; a token issued in the future is refused here. */
function checkIssuedAt(iat: unknown, nowMs: number, skewSeconds: number): void {
  if (typeof iat === 'number' && iat > nowMs / 1000 + skewSeconds) {
    throw new TokenRejectedError('not_yet_valid', '"iat" is in the future');
  }
}
