import type { Identity, IdentityKind } from '../identity.js';
import { TokenRejectedError } from '../errors.js';
import { optionalString, requireString, stringList } from './claim-values.js';

/**
 * Maps a Microsoft Entra ID access token (v1 or v2) to an identity.
 * Sample claim sets of every case live in `entra-fixtures.ts`.
 *
 * - subject: `oid`, the object id of the service principal (or user),
 *   stable across every app it calls; `sub` is per-app, so not used.
 * - app_id: v2 `azp`, v1 `appid`: the client application.
 * - kind: see entraKind().
 * - groups: `groups` (object ids). If the principal has too many groups,
 *   Entra leaves them out and says so (`_claim_names.groups` or
 *   `hasgroups`); we refuse the token then, since a policy that denies by
 *   group would otherwise see no groups and let it through.
 */
export function entraIdentity(claims: Readonly<Record<string, unknown>>, issuer: string): Identity {
  if (hasGroupsOverage(claims)) {
    throw new TokenRejectedError('groups_overage', 'group membership was left out of the token (overage)');
  }
  const version = claims.ver === '1.0' ? '1.0' : '2.0';
  const appIdClaim = version === '1.0' ? 'appid' : 'azp';
  return {
    subject: requireString(claims.oid, 'oid'),
    issuer,
    app_id: requireString(claims[appIdClaim], appIdClaim),
    kind: entraKind(claims),
    groups: stringList(claims.groups, 'groups'),
    roles: stringList(claims.roles, 'roles'),
    tenant_id: requireString(claims.tid, 'tid'),
  };
}

/**
 * App-only (client credentials) versus delegated (a user signed in).
 * `idtyp` is the documented answer when the app registration asks for it
 * as an optional claim. Without it: a delegated token always carries the
 * user's scopes in `scp`, and an app-only token's `sub` equals its `oid`.
 */
export function entraKind(claims: Readonly<Record<string, unknown>>): IdentityKind {
  const idtyp = optionalString(claims.idtyp, 'idtyp');
  if (idtyp === 'app') return 'service_principal';
  if (idtyp === 'user') return 'user';
  if (claims.scp !== undefined) return 'user';
  if (typeof claims.oid === 'string' && claims.oid === claims.sub) return 'service_principal';
  return 'unknown';
}

function hasGroupsOverage(claims: Readonly<Record<string, unknown>>): boolean {
  const names = claims._claim_names;
  const named = typeof names === 'object' && names !== null && Object.hasOwn(names, 'groups');
  return named || claims.hasgroups === true || claims.hasgroups === 'true';
}
