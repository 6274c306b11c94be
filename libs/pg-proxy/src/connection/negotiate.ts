import type { SecureContext } from 'node:tls';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import type { CancelRequest, StartupMessage } from '../protocol/messages.js';
import type { ClientChannel } from './client-channel.js';
import { SessionRefusal, SqlState } from './session-refusal.js';

/** The answer to SSLRequest and GSSENCRequest: "not here", continue in plaintext. */
const ENCRYPTION_REFUSED = Buffer.from('N');
/** The answer to SSLRequest when the target has a certificate: the TLS handshake comes next. */
const TLS_ACCEPTED = Buffer.from('S');
/** libpq asks for GSS encryption, then TLS: two requests are all an honest client sends. */
const MAX_NEGOTIATION_REQUESTS = 2;

/** TLS towards clients, as the listener was configured (client-tls.ts). */
export interface ClientTls {
  readonly context: SecureContext;
  /** Refuse a client that did not switch to TLS before it would send its token. */
  readonly required: boolean;
}

/**
 * Step 1: the untyped start of the connection. SSLRequest is answered `S`
 * and the connection switches to TLS when the target has a certificate, `N`
 * otherwise; GSSENCRequest always gets `N`. Then the client goes on with a
 * StartupMessage, or sends a CancelRequest instead (it carries no secret
 * but the key, so it is taken in plaintext, as libpq sends it). Where TLS is
 * required, a plaintext StartupMessage is refused before the client could
 * send its token. Returns null when the client left before saying anything.
 */
export async function negotiate(
  channel: ClientChannel,
  tls?: ClientTls,
): Promise<StartupMessage | CancelRequest | null> {
  for (let requests = 0; ; requests++) {
    const message = await channel.next();
    if (message === null) return null;
    if (isProtocolViolation(message)) throw violation(message.message);
    switch (message.type) {
      case 'sslRequest':
        if (requests >= MAX_NEGOTIATION_REQUESTS || channel.encrypted)
          throw violation('too many encryption requests');
        if (tls) {
          channel.write(TLS_ACCEPTED);
          await startTls(channel, tls.context);
        } else {
          channel.write(ENCRYPTION_REFUSED);
        }
        continue;
      case 'gssEncRequest':
        if (requests >= MAX_NEGOTIATION_REQUESTS || channel.encrypted)
          throw violation('too many encryption requests');
        channel.write(ENCRYPTION_REFUSED);
        continue;
      case 'startup':
        if (tls?.required && !channel.encrypted) throw tlsRequired();
        return message;
      case 'cancelRequest':
        return message;
      default:
        throw violation(`unexpected ${message.type} before startup`);
    }
  }
}

async function startTls(channel: ClientChannel, context: SecureContext): Promise<void> {
  try {
    await channel.startTls(context);
  } catch (error) {
    throw new SessionRefusal(
      'tls_handshake_failed',
      error instanceof Error ? error.message : String(error),
      SqlState.ProtocolViolation,
      'TLS handshake failed',
    );
  }
}

function tlsRequired(): SessionRefusal {
  return new SessionRefusal(
    'tls_required',
    'plaintext startup on a listener that requires TLS',
    SqlState.InvalidAuthorization,
    'portcullis: TLS required: the password is an access token; connect with sslmode=require or stronger',
  );
}

function violation(detail: string): SessionRefusal {
  return new SessionRefusal('protocol_violation', detail, SqlState.ProtocolViolation, 'protocol violation');
}
