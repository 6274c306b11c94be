import type { Identity, TokenVerifier } from '@portcullis/identity';
import { backend } from '../protocol/index.js';
import { readPasswordMessage } from '../protocol/authentication-response.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import type { ClientChannel } from './client-channel.js';
import { AUTHENTICATION_FAILED, SessionRefusal, SqlState } from './session-refusal.js';

/**
 * Step 3: the client's password is its OIDC access token. We ask for it in
 * cleartext (the channel is loopback this round) and verify it. Every
 * failure, whatever the cause, tells the client only "authentication
 * failed" (28P01); the typed reason goes into the SessionRejected event.
 * The token itself is never logged or recorded.
 */
export async function authenticateClient(channel: ClientChannel, tokens: TokenVerifier): Promise<Identity> {
  channel.write(backend.authenticationCleartextPassword());
  const message = await channel.next();
  if (message === null) {
    throw new SessionRefusal(
      'client_disconnected',
      'client left during authentication',
      SqlState.InvalidPassword,
      AUTHENTICATION_FAILED,
    );
  }
  if (isProtocolViolation(message) || message.type !== 'authenticationResponse') {
    throw failed('malformed', 'expected a password message');
  }
  const token = readPasswordMessage(message);
  if (isProtocolViolation(token) || token.length === 0)
    throw failed('malformed', 'empty or malformed password');
  const verified = await tokens.verify(token);
  if (!verified.ok) throw failed(verified.reason, verified.detail);
  return verified.identity;
}

function failed(reason: string, detail: string): SessionRefusal {
  return new SessionRefusal(reason, detail, SqlState.InvalidPassword, AUTHENTICATION_FAILED);
}
