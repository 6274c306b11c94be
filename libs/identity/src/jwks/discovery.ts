import { endpointUrlProblem } from '../config/endpoint-url.js';
import type { FetchJson } from './fetch-json.js';

/**
 * Reads `jwks_uri` from an OIDC discovery document. The document must name
 * the configured issuer exactly (OIDC Discovery 1.0, 4.3): otherwise one
 * issuer's metadata could hand us another's keys.
 */
export async function discoverJwksUrl(
  discoveryUrl: string,
  issuer: string,
  fetchJson: FetchJson,
): Promise<string> {
  const document = await fetchJson(discoveryUrl);
  if (typeof document !== 'object' || document === null) {
    throw new Error('the discovery document is not a JSON object');
  }
  const { issuer: named, jwks_uri: jwksUri } = document as Record<string, unknown>;
  if (named !== issuer) {
    throw new Error(`the discovery document names issuer ${JSON.stringify(named)}, not the configured one`);
  }
  if (typeof jwksUri !== 'string') throw new Error('the discovery document has no jwks_uri');
  const problem = endpointUrlProblem(jwksUri);
  if (problem !== undefined) throw new Error(`the discovery document's jwks_uri ${problem}`);
  return jwksUri;
}
