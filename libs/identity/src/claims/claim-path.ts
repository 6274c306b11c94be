/**
 * Reads a claim by path: a JSON Pointer when it starts with `/` (for claim
 * names with dots, like Auth0's `https://example.com/roles`), otherwise a
 * dotted path (`realm_access.roles`). Only own properties are followed, so
 * a path can never reach `__proto__` or `constructor`.
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  const steps = path.startsWith('/')
    ? path
        .slice(1)
        .split('/')
        .map((step) => step.replaceAll('~1', '/').replaceAll('~0', '~'))
    : path.split('.');
  let value: unknown = claims;
  for (const step of steps) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}
