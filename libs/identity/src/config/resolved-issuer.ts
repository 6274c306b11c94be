import type { IdentityKind } from '../identity.js';
import type { IssuerPattern } from './issuer-pattern.js';

/** An issuer with every default applied: what the verifier works from. */
export interface ResolvedIssuer {
  readonly issuer: string;
  readonly pattern: IssuerPattern;
  readonly flavor: 'entra' | 'generic';
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  /** Always includes `exp` and `iat`: a token without a lifetime is refused. */
  readonly requiredClaims: readonly string[];
  readonly maxTokenBytes: number;
  readonly claims: ResolvedClaimPaths;
  readonly identityKind?: Exclude<IdentityKind, 'unknown'>;
  /** Tenants a token may come from; undefined means no tenant check (generic issuers only). */
  readonly allowedTenants?: readonly string[];
  readonly keys: KeySourceConfig;
}

export interface ResolvedClaimPaths {
  readonly subject: readonly string[];
  readonly appId: readonly string[];
  readonly groups: string;
  readonly roles: string;
  readonly tenantId: string;
}

export interface KeySourceConfig {
  /** Known JWKS URL, or undefined to look it up in the discovery document. */
  readonly jwksUrl?: string;
  readonly discoveryUrl: string;
  readonly refreshAfterMs: number;
  readonly maxStaleMs: number;
  readonly minRefetchIntervalMs: number;
}
