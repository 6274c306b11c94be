import { connect, isIP } from 'node:net';
import { authenticateUpstream, type UpstreamSession } from '../upstream/upstream-auth.js';
import type { UpstreamTlsOptions } from '../upstream/upstream-tls.js';
import type { UpstreamTarget } from '../listener/proxy-options.js';
import { SessionRefusal, SqlState } from './session-refusal.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Who logs in, when not the target's configured user, and startup settings (e.g. `role`). */
export interface UpstreamLogin {
  readonly user?: string;
  readonly password?: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

/** PostgreSQL keeps the first NAMEDATALEN-1 bytes of application_name. */
const APPLICATION_NAME_BYTES = 63;

/**
 * A session on the real server, with the proxy's own credentials (or the
 * session's, `login`). The client is told only that the server is
 * unavailable: no host, no upstream error text (it could name the upstream
 * role).
 */
export async function connectUpstream(
  upstream: UpstreamTarget,
  applicationName: string | undefined,
  login: UpstreamLogin = {},
): Promise<UpstreamSession> {
  // No Nagle: the proxy writes a statement's messages in pieces (Bind at once,
  // Execute after the audit append), and a small write waiting for the ACK of
  // the one before stalls ~40 ms behind the server's delayed ACK.
  const socket = connect({ port: upstream.port, host: upstream.host, noDelay: true });
  try {
    return await authenticateUpstream(socket, {
      user: login.user ?? upstream.user,
      password: login.user === undefined ? upstream.password : login.password,
      database: upstream.database,
      // The server reads what we forward as UTF-8 because the proxy decoded it so.
      parameters: {
        ...login.parameters,
        client_encoding: 'UTF8',
        application_name: truncateBytes(
          `portcullis${applicationName ? `:${applicationName}` : ''}`,
          APPLICATION_NAME_BYTES,
        ),
      },
      timeoutMs: upstream.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...tlsOptions(upstream),
    });
  } catch (error) {
    socket.destroy();
    throw new SessionRefusal(
      'upstream_unavailable',
      error instanceof Error ? error.message : String(error),
      SqlState.ConnectionFailure,
      'the database server is unavailable',
    );
  }
}

function truncateBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes
    ? text
    : buffer
        .subarray(0, bytes)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
}

/** libpq's sslmode in Node's terms; a server that declines TLS is refused in both modes. */
function tlsOptions(upstream: UpstreamTarget): { tls?: UpstreamTlsOptions } {
  const tls = upstream.tls;
  if (!tls || tls.mode === 'disable') return {};
  if (tls.mode === 'require') return { tls: { mode: 'require', rejectUnauthorized: false } };
  return {
    tls: {
      mode: 'require',
      rejectUnauthorized: true,
      // The name checked against the certificate; SNI carries only host names, never addresses.
      host: upstream.host,
      ...(isIP(upstream.host) === 0 ? { servername: upstream.host } : {}),
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    },
  };
}
