const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Keys fetched over plain http can be swapped by anyone on the path, which
 * would let them mint accepted tokens. So key material comes over https,
 * except from loopback (tests, a sidecar on the same host).
 */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must use https (plain http is allowed on loopback only)';
}

/** OIDC Discovery 1.0, section 4: the issuer, without a trailing slash, plus the well-known path. */
export function defaultDiscoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}
