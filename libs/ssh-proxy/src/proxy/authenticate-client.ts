import type { Identity, TokenVerifier } from '@portcullis/identity';
import { SessionRefusal } from './session-refusal.js';

/**
 * The client's SSH password (or its keyboard-interactive answer) is its
 * OIDC access token. Every failure becomes the verifier's typed reason in
 * SessionRejected; the client only sees an authentication failure. The
 * token is never logged or recorded.
 */
export async function authenticateClient(token: string, tokens: TokenVerifier): Promise<Identity> {
  if (token.length === 0) throw new SessionRefusal('malformed', 'empty token');
  const verified = await tokens.verify(token.trim());
  if (!verified.ok) throw new SessionRefusal(verified.reason, verified.detail);
  return verified.identity;
}
