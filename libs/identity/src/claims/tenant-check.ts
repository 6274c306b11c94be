import type { ResolvedIssuer } from '../config/resolved-issuer.js';
import { TokenRejectedError } from '../errors.js';
import type { Identity } from '../identity.js';
import { quote } from '../token/excerpt.js';

/**
 * Multi-tenant providers (Entra above all) sign every tenant's tokens with
 * the same keys, so a valid signature says nothing about whose tenant the
 * caller belongs to. `issTenant` is the tenant a `{tenantid}` issuer
 * template captured from `iss` ('' otherwise); it must agree with `tid`.
 */
export function checkTenant(identity: Identity, issuer: ResolvedIssuer, issTenant: string): void {
  const allowed = issuer.allowedTenants;
  if (allowed === undefined) return;
  const tenant = identity.tenant_id;
  if (tenant === undefined) {
    throw new TokenRejectedError('missing_claim', `tenant claim "${issuer.claims.tenantId}" is missing`);
  }
  if (issTenant !== '' && issTenant !== tenant) {
    throw new TokenRejectedError(
      'wrong_tenant',
      `iss names tenant ${quote(issTenant)} but tid is ${quote(tenant)}`,
    );
  }
  if (!allowed.includes(tenant)) {
    throw new TokenRejectedError('wrong_tenant', `tenant ${quote(tenant)} is not allowed for this issuer`);
  }
}
