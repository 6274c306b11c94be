import type { ResolvedIssuer } from '../config/resolved-issuer.js';
import { TokenRejectedError } from '../errors.js';
import type { Identity, IdentityKind } from '../identity.js';
import { readClaim } from './claim-path.js';
import { requireString, stringList } from './claim-values.js';

/**
 * Maps any other issuer's token through the configured claim paths.
 * app_id defaults to RFC 9068's `client_id`, then `azp`; it is required,
 * because a non-human identity without its client is not one we can audit.
 */
export function genericIdentity(
  claims: Readonly<Record<string, unknown>>,
  issuer: ResolvedIssuer,
  iss: string,
): Identity {
  const subject = requireString(
    firstPresent(claims, issuer.claims.subject),
    issuer.claims.subject.join(' or '),
  );
  const appId = requireString(firstPresent(claims, issuer.claims.appId), issuer.claims.appId.join(' or '));
  const tenant = readClaim(claims, issuer.claims.tenantId);
  const identity: Identity = {
    subject,
    issuer: iss,
    app_id: appId,
    kind: issuer.identityKind ?? genericKind(subject, appId),
    groups: stringList(readClaim(claims, issuer.claims.groups), issuer.claims.groups),
    roles: stringList(readClaim(claims, issuer.claims.roles), issuer.claims.roles),
  };
  if (tenant === undefined) return identity;
  if (typeof tenant !== 'string') {
    throw new TokenRejectedError('invalid_claim', `claim "${issuer.claims.tenantId}" is not a string`);
  }
  return { ...identity, tenant_id: tenant };
}

/**
 * RFC 9068, section 2.2: with no resource owner (client credentials), `sub`
 * names the client itself. Anything else we cannot classify safely.
 */
function genericKind(subject: string, appId: string): IdentityKind {
  return subject === appId ? 'service_principal' : 'unknown';
}

function firstPresent(claims: Readonly<Record<string, unknown>>, paths: readonly string[]): unknown {
  for (const path of paths) {
    const value = readClaim(claims, path);
    if (value !== undefined) return value;
  }
  return undefined;
}
