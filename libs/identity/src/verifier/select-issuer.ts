import type { ResolvedIssuer } from '../config/resolved-issuer.js';
import { TokenRejectedError } from '../errors.js';
import { quote } from '../token/excerpt.js';

/**
 * Picks the configured issuer named by the (still unverified) `iss`. The
 * match is exact, character for character: `https://idp/` and
 * `https://idp` are different issuers (OIDC Core 3.1.3.7), so a trailing
 * slash is a wrong issuer, not a near miss.
 */
export function selectIssuer(
  issuers: readonly ResolvedIssuer[],
  iss: unknown,
): { issuer: ResolvedIssuer; iss: string; issTenant: string } {
  if (typeof iss !== 'string') {
    throw new TokenRejectedError(
      iss === undefined ? 'missing_claim' : 'invalid_claim',
      'claim "iss" is not a string',
    );
  }
  for (const issuer of issuers) {
    const matched = issuer.pattern.match(iss);
    if (matched !== undefined) return { issuer, iss, issTenant: matched.tenant };
  }
  if (issuers.some((issuer) => issuer.pattern.isOtherTenant(iss))) {
    throw new TokenRejectedError(
      'wrong_tenant',
      `issuer ${quote(iss)} is a tenant of a trusted provider that is not configured`,
    );
  }
  throw new TokenRejectedError('wrong_issuer', `issuer ${quote(iss)} is not configured`);
}
