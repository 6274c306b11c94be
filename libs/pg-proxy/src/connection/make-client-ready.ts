import { backend } from '../protocol/index.js';
import type { BackendKey } from '../protocol/backend-messages.js';
import type { UpstreamSession } from '../upstream/upstream-auth.js';
import type { ClientChannel } from './client-channel.js';

/**
 * Step 6: what a server says once a client is in: AuthenticationOk, the
 * upstream's ParameterStatus values (server_version, encodings, …), OUR
 * BackendKeyData (see backend-keys.ts), ReadyForQuery idle.
 */
export function makeClientReady(
  channel: ClientChannel,
  upstream: UpstreamSession,
  key: BackendKey,
  clientUser: string,
): void {
  const frames = [backend.authenticationOk()];
  for (const [name, value] of Object.entries(upstream.parameters)) {
    // The upstream role name is part of the proxy's credentials: the client sees its own user name.
    frames.push(backend.parameterStatus(name, name === 'session_authorization' ? clientUser : value));
  }
  frames.push(backend.backendKeyData(key.processId, key.secretKey), backend.readyForQuery('I'));
  channel.write(Buffer.concat(frames));
}
