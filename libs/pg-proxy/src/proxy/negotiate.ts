import { isProtocolViolation } from '../protocol/protocol-violation.js';
import type { CancelRequest, StartupMessage } from '../protocol/messages.js';
import type { ClientChannel } from './client-channel.js';
import { SessionRefusal, SqlState } from './session-refusal.js';

/** The answer to SSLRequest and GSSENCRequest: "not here", continue in plaintext. */
const ENCRYPTION_REFUSED = Buffer.from('N');
/** libpq asks for GSS encryption, then TLS: two requests are all an honest client sends. */
const MAX_NEGOTIATION_REQUESTS = 2;

/**
 * Step 1: the untyped start of the connection. Encryption requests get `N`
 * (TLS to clients is not built yet, so listeners are loopback only) and the
 * client goes on with a StartupMessage, or sends a CancelRequest instead.
 * Returns null when the client left before saying anything.
 */
export async function negotiate(channel: ClientChannel): Promise<StartupMessage | CancelRequest | null> {
  for (let requests = 0; ; requests++) {
    const message = await channel.next();
    if (message === null) return null;
    if (isProtocolViolation(message)) throw violation(message.message);
    switch (message.type) {
      case 'sslRequest':
      case 'gssEncRequest':
        if (requests >= MAX_NEGOTIATION_REQUESTS) throw violation('too many encryption requests');
        channel.write(ENCRYPTION_REFUSED);
        continue;
      case 'startup':
      case 'cancelRequest':
        return message;
      default:
        throw violation(`unexpected ${message.type} before startup`);
    }
  }
}

function violation(detail: string): SessionRefusal {
  return new SessionRefusal('protocol_violation', detail, SqlState.ProtocolViolation, 'protocol violation');
}
