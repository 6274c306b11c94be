/**
 * Reading a client's `p` message once the authentication state says what it
 * is: the same type byte carries PasswordMessage, SASLInitialResponse and
 * SASLResponse, and only the request we sent tells them apart.
 */
import { BufferReader } from './buffer-reader.js';
import { type AuthenticationResponse } from './messages.js';
import { decoding, type ProtocolViolation } from './protocol-violation.js';

const reader = new BufferReader();

/** The answer to AuthenticationCleartextPassword: for Portcullis clients, the OIDC access token. */
export function readPasswordMessage(message: AuthenticationResponse): string | ProtocolViolation {
  return decoding(() => {
    const body = reader.reset(message.data, 0, message.data.length);
    const password = body.cstring();
    body.expectEnd();
    return password;
  });
}

export interface SASLInitialResponse {
  readonly mechanism: string;
  /** The client-first message; null when the client sent none (length -1). */
  readonly data: Buffer | null;
}

export function readSASLInitialResponse(
  message: AuthenticationResponse,
): SASLInitialResponse | ProtocolViolation {
  return decoding(() => {
    const body = reader.reset(message.data, 0, message.data.length);
    const mechanism = body.cstring();
    const data = body.nullableBytes();
    body.expectEnd();
    return { mechanism, data };
  });
}

/** SASLResponse has no structure of its own: the body is the mechanism's message. */
export function readSASLResponse(message: AuthenticationResponse): Buffer {
  return message.data;
}
