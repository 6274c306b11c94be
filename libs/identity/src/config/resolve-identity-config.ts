import { Value } from 'typebox/value';
import { IdentityConfigError } from '../errors.js';
import { DEFAULT_ALGORITHMS } from './algorithms.js';
import { defaultDiscoveryUrl, endpointUrlProblem } from './endpoint-url.js';
import { IdentityConfigSchema, type IdentityConfig, type IssuerConfig } from './identity-config-schema.js';
import { issuerPattern, TENANT_PLACEHOLDER, tenantShape } from './issuer-pattern.js';
import type { ResolvedIssuer } from './resolved-issuer.js';

const DEFAULTS = {
  clockSkewSeconds: 60,
  maxTokenBytes: 16 * 1024,
  jwksRefreshSeconds: 600,
  jwksMaxStaleSeconds: 3600,
  jwksRefetchMinIntervalSeconds: 30,
};

/** Hosts whose issuers are Microsoft Entra ID (public and sovereign clouds). */
const ENTRA_HOSTS = new Set([
  'login.microsoftonline.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'sts.chinacloudapi.cn',
]);

type Problem = { path: string; message: string };

/**
 * For the gateway's config loader: the schema plus the rules a schema cannot
 * say (URL schemes, tenant templates, duplicates). Throws IdentityConfigError.
 */
export function validateIdentityConfig(config: unknown): IdentityConfig {
  resolveIdentityConfig(config);
  return config as IdentityConfig;
}

/** Validates the identity configuration and applies defaults; throws IdentityConfigError. */
export function resolveIdentityConfig(config: unknown): ResolvedIssuer[] {
  const problems: Problem[] = Value.Errors(IdentityConfigSchema, config).map((e) => ({
    path: e.instancePath,
    message: e.message,
  }));
  if (problems.length > 0) throw new IdentityConfigError('invalid identity configuration', problems);
  const issuers = config as IdentityConfig;
  const seen = new Set<string>();
  issuers.forEach((entry, index) => {
    if (seen.has(entry.issuer)) problems.push({ path: `/${index}/issuer`, message: 'is configured twice' });
    seen.add(entry.issuer);
    problems.push(...semanticProblems(entry).map((p) => ({ ...p, path: `/${index}${p.path}` })));
  });
  if (problems.length > 0) throw new IdentityConfigError('invalid identity configuration', problems);
  return issuers.map(resolveIssuer);
}

function semanticProblems(entry: IssuerConfig): Problem[] {
  const problems: Problem[] = [];
  const flavor = flavorOf(entry);
  for (const key of ['jwksUrl', 'discoveryUrl'] as const) {
    const value = entry[key];
    const problem = value === undefined ? undefined : endpointUrlProblem(value);
    if (problem !== undefined) problems.push({ path: `/${key}`, message: problem });
  }
  if (entry.jwksUrl === undefined && entry.discoveryUrl === undefined) {
    const problem = endpointUrlProblem(entry.issuer);
    if (problem !== undefined) {
      problems.push({ path: '/issuer', message: `${problem}, or set jwksUrl/discoveryUrl` });
    }
  }
  if (entry.issuer.includes(TENANT_PLACEHOLDER)) {
    if (flavor !== 'entra') {
      problems.push({
        path: '/issuer',
        message: `${TENANT_PLACEHOLDER} is only understood for entra issuers`,
      });
    }
    if (entry.allowedTenants === undefined) {
      problems.push({
        path: '/allowedTenants',
        message: `is required when the issuer has ${TENANT_PLACEHOLDER}`,
      });
    }
  }
  if (flavor === 'entra' && tenantShape(entry.issuer) === undefined) {
    problems.push({ path: '/issuer', message: 'an entra issuer names its tenant: https://host/{tenant}/…' });
  }
  if (flavor === 'entra' && (entry.claims !== undefined || entry.identityKind !== undefined)) {
    problems.push({ path: '/claims', message: 'entra issuers use the fixed Entra claim mapping' });
  }
  return problems;
}

function resolveIssuer(entry: IssuerConfig): ResolvedIssuer {
  const flavor = flavorOf(entry);
  const claims = entry.claims ?? {};
  const skew = entry.clockSkewSeconds ?? DEFAULTS.clockSkewSeconds;
  const resolved: ResolvedIssuer = {
    issuer: entry.issuer,
    pattern: issuerPattern(entry.issuer, flavor === 'entra'),
    flavor,
    audiences: [...entry.audiences],
    algorithms: [...(entry.algorithms ?? DEFAULT_ALGORITHMS)],
    clockSkewSeconds: skew,
    requiredClaims: [...new Set(['exp', 'iat', ...(entry.requiredClaims ?? [])])],
    maxTokenBytes: entry.maxTokenBytes ?? DEFAULTS.maxTokenBytes,
    claims: {
      subject: claims.subject === undefined ? ['sub'] : [claims.subject],
      appId: claims.appId === undefined ? ['client_id', 'azp'] : [claims.appId],
      groups: claims.groups ?? 'groups',
      roles: claims.roles ?? 'roles',
      tenantId: claims.tenantId ?? 'tid',
    },
    allowedTenants: allowedTenantsOf(entry, flavor),
    keys: {
      discoveryUrl: entry.discoveryUrl ?? defaultDiscoveryUrl(entry.issuer),
      refreshAfterMs: (entry.jwksRefreshSeconds ?? DEFAULTS.jwksRefreshSeconds) * 1000,
      maxStaleMs: (entry.jwksMaxStaleSeconds ?? DEFAULTS.jwksMaxStaleSeconds) * 1000,
      minRefetchIntervalMs:
        (entry.jwksRefetchMinIntervalSeconds ?? DEFAULTS.jwksRefetchMinIntervalSeconds) * 1000,
      ...(entry.jwksUrl === undefined ? {} : { jwksUrl: entry.jwksUrl }),
    },
  };
  return entry.identityKind === undefined ? resolved : { ...resolved, identityKind: entry.identityKind };
}

function flavorOf(entry: IssuerConfig): 'entra' | 'generic' {
  if (entry.flavor !== undefined) return entry.flavor;
  try {
    return ENTRA_HOSTS.has(new URL(entry.issuer.replace(TENANT_PLACEHOLDER, 'x')).hostname)
      ? 'entra'
      : 'generic';
  } catch {
    return 'generic';
  }
}

/**
 * Entra signs every tenant's tokens with the same keys, so a token from a
 * stranger's tenant verifies fine: the tenant check is what keeps it out.
 * A single-tenant Entra issuer therefore always checks `tid` against the
 * tenant in its own issuer string.
 */
function allowedTenantsOf(entry: IssuerConfig, flavor: 'entra' | 'generic'): string[] | undefined {
  if (entry.allowedTenants !== undefined) return [...entry.allowedTenants];
  if (flavor !== 'entra') return undefined;
  const tenant = tenantShape(entry.issuer)?.tenant;
  return tenant === undefined ? [] : [tenant];
}
