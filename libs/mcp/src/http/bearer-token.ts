import type { Identity, TokenVerifier } from '@portcullis/identity';

export type BearerResult =
  | { readonly ok: true; readonly identity: Identity }
  /** `presented`: a token was sent (and refused), so the challenge says invalid_token. */
  | { readonly ok: false; readonly presented: boolean; readonly reason?: string };

/**
 * The agent's OIDC access token from `Authorization: Bearer …`, verified by
 * the same verifier as the proxies' clients' tokens. Why a token was
 * refused is for the log only (`reason`), never for the response.
 */
export async function verifyBearer(
  tokens: TokenVerifier | null,
  authorization: string | undefined,
): Promise<BearerResult> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return { ok: false, presented: false };
  if (!tokens) return { ok: false, presented: true, reason: 'no OIDC issuer is configured' };
  const verified = await tokens.verify(token);
  if (!verified.ok) return { ok: false, presented: true, reason: `${verified.reason}: ${verified.detail}` };
  return { ok: true, identity: verified.identity };
}

/**
 * The 401 challenge (RFC 6750, RFC 9728 §5.1): where the metadata is, and
 * for a refused token `invalid_token` — no description, so nothing says
 * which check failed.
 */
export function bearerChallenge(metadataUrl: string, presented: boolean): string {
  return `Bearer ${presented ? 'error="invalid_token", ' : ''}resource_metadata="${metadataUrl}"`;
}
