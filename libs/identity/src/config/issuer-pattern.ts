/** The placeholder an Entra multi-tenant issuer uses where the tenant id goes. */
export const TENANT_PLACEHOLDER = '{tenantid}';

/**
 * How a configured issuer string matches a token's `iss`: exactly, or, for
 * a `{tenantid}` template, with the tenant id captured from that position.
 */
export interface IssuerPattern {
  /** The tenant id the `iss` carries, or '' for an exact match without a template. */
  match(iss: string): { tenant: string } | undefined;
  /**
   * True when `iss` has this issuer's shape but names another tenant
   * (Entra issuers differ only in their first path segment).
   */
  isOtherTenant(iss: string): boolean;
}

export function issuerPattern(issuer: string, tenantAware: boolean): IssuerPattern {
  const templated = issuer.includes(TENANT_PLACEHOLDER);
  const shape = tenantAware ? tenantShape(issuer) : undefined;
  return {
    match(iss) {
      if (!templated) return iss === issuer ? { tenant: '' } : undefined;
      const parts = tenantShape(iss);
      if (parts === undefined || shape === undefined) return undefined;
      return parts.rest === shape.rest && parts.origin === shape.origin
        ? { tenant: parts.tenant }
        : undefined;
    },
    isOtherTenant(iss) {
      if (shape === undefined) return false;
      const parts = tenantShape(iss);
      return parts !== undefined && parts.origin === shape.origin && parts.rest === shape.rest;
    },
  };
}

/** Splits `https://host/{tenant}/rest` into its origin, tenant segment and the rest. */
export function tenantShape(iss: string): { origin: string; tenant: string; rest: string } | undefined {
  const found = /^(https?:\/\/[^/]+)\/([^/]+)(\/.*)?$/.exec(iss);
  if (found === null) return undefined;
  return { origin: found[1]!, tenant: found[2]!, rest: found[3] ?? '' };
}
