/**
 * Opening the proxy's own session on the real server: optional TLS, the
 * startup packet with the configured credentials, the authentication
 * exchange the server picks (trust, cleartext, md5, SCRAM-SHA-256), then the
 * server's ParameterStatus and BackendKeyData up to ReadyForQuery.
 *
 * Clients never see these credentials: the proxy authenticates them on its
 * own (with their OIDC token) and relays only after this has succeeded.
 */
import { type Duplex } from 'node:stream';
import {
  decodeAuthenticationRequest,
  decodeBackendKeyData,
  decodeNoticeFields,
  decodeParameterStatus,
  frontend,
  isProtocolViolation,
  type BackendFrame,
  type BackendKey,
} from '../protocol/index.js';
import { BackendCode } from '../protocol/message-codes.js';
import { BackendFrameChannel } from './backend-frame-channel.js';
import { md5PasswordResponse } from './md5-password.js';
import { clientFinal, clientFirst, parseServerFirst, SCRAM_SHA_256, verifyServerFinal } from './scram.js';
import { negotiateTls, type UpstreamTlsOptions } from './upstream-tls.js';
import { UpstreamAuthenticationError, UpstreamConnectionError } from './upstream-errors.js';

export interface UpstreamCredentials {
  readonly user: string;
  /** Needed unless the server trusts the connection. */
  readonly password?: string;
  readonly database: string;
  /** More startup parameters, e.g. `application_name`. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Upgrade to TLS first; leave out for a plaintext connection. */
  readonly tls?: UpstreamTlsOptions;
  /** Deadline for the whole startup (default 15 s). */
  readonly timeoutMs?: number;
}

export interface UpstreamSession {
  /** Server parameters announced during startup (server_version, client_encoding, …). */
  readonly parameters: Readonly<Record<string, string>>;
  /** For CancelRequest; undefined only if the server sent none (some poolers). */
  readonly backendKey: BackendKey | undefined;
  /** The connection ready for queries (the TLS socket when upgraded), paused with nothing unread lost. */
  readonly socket: Duplex;
  /** How the server had us prove who we are; worth recording with the session. */
  readonly authenticationMethod: UpstreamAuthenticationMethod;
}

export type UpstreamAuthenticationMethod = 'trust' | 'cleartext' | 'md5' | 'scram-sha-256';

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Runs the startup on a connected socket. On failure the promise rejects
 * with UpstreamAuthenticationError (credentials refused or the server could
 * not prove it knew them) or UpstreamConnectionError (anything else), and
 * the socket is destroyed.
 */
export async function authenticateUpstream(
  socket: Duplex,
  credentials: UpstreamCredentials,
): Promise<UpstreamSession> {
  const timeoutMs = credentials.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let connection = socket;
  try {
    if (credentials.tls) connection = await negotiateTls(socket, credentials.tls, timeoutMs);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const channel = new BackendFrameChannel(connection, { timeoutMs });
  try {
    channel.write(
      frontend.startupMessage({
        ...credentials.parameters,
        user: credentials.user,
        database: credentials.database,
      }),
    );
    const authenticationMethod = await exchangeAuthentication(channel, credentials);
    const ready = await awaitReadyForQuery(channel);
    return { ...ready, authenticationMethod, socket: channel.release() };
  } catch (error) {
    channel.abandon();
    throw error;
  }
}

async function exchangeAuthentication(
  channel: BackendFrameChannel,
  credentials: UpstreamCredentials,
): Promise<UpstreamAuthenticationMethod> {
  let method: UpstreamAuthenticationMethod = 'trust';
  let scram: { first: ReturnType<typeof clientFirst>; final?: ReturnType<typeof clientFinal> } | undefined;
  let serverVerified = false;
  for (;;) {
    const { code, frame } = await channel.next();
    if (code === BackendCode.NoticeResponse) continue;
    if (code === BackendCode.ErrorResponse) throw serverError(frame, 'authentication');
    if (code !== BackendCode.Authentication) throw unexpected(code, 'authentication');
    const request = decodeAuthenticationRequest(frame);
    if (isProtocolViolation(request)) throw brokenProtocol(request);
    switch (request.kind) {
      case 'ok':
        // A server that started SCRAM must finish it: AuthenticationOk without a
        // verified server signature could come from an impostor that never knew the password.
        if (scram && !serverVerified)
          throw new UpstreamAuthenticationError('server skipped SCRAM verification');
        return method;
      case 'cleartextPassword':
        method = 'cleartext';
        channel.write(frontend.passwordMessage(passwordOf(credentials)));
        break;
      case 'md5Password':
        method = 'md5';
        channel.write(
          frontend.passwordMessage(
            md5PasswordResponse(credentials.user, passwordOf(credentials), request.salt),
          ),
        );
        break;
      case 'sasl': {
        if (scram) throw new UpstreamAuthenticationError('server restarted SASL');
        if (!request.mechanisms.includes(SCRAM_SHA_256)) {
          throw new UpstreamAuthenticationError(
            `no supported SASL mechanism in ${request.mechanisms.join(', ')}`,
          );
        }
        passwordOf(credentials);
        method = 'scram-sha-256';
        scram = { first: clientFirst() };
        channel.write(frontend.saslInitialResponse(SCRAM_SHA_256, Buffer.from(scram.first.message)));
        break;
      }
      case 'saslContinue': {
        if (!scram || scram.final) throw new UpstreamAuthenticationError('unexpected SASLContinue');
        const server = parseServerFirst(request.data.toString('utf8'), scram.first.clientNonce);
        scram.final = clientFinal(passwordOf(credentials), scram.first, server);
        channel.write(frontend.saslResponse(Buffer.from(scram.final.message)));
        break;
      }
      case 'saslFinal':
        if (!scram?.final || serverVerified) throw new UpstreamAuthenticationError('unexpected SASLFinal');
        verifyServerFinal(request.data.toString('utf8'), scram.final.expectedServerSignature);
        serverVerified = true;
        break;
      case 'unsupported':
        throw new UpstreamAuthenticationError(`unsupported authentication method ${request.code}`);
    }
  }
}

async function awaitReadyForQuery(
  channel: BackendFrameChannel,
): Promise<Pick<UpstreamSession, 'parameters' | 'backendKey'>> {
  const parameters: Record<string, string> = Object.create(null);
  let backendKey: BackendKey | undefined;
  for (;;) {
    const { code, frame }: BackendFrame = await channel.next();
    switch (code) {
      case BackendCode.ParameterStatus: {
        const status = decodeParameterStatus(frame);
        if (isProtocolViolation(status)) throw brokenProtocol(status);
        parameters[status.name] = status.value;
        break;
      }
      case BackendCode.BackendKeyData: {
        const key = decodeBackendKeyData(frame);
        if (isProtocolViolation(key)) throw brokenProtocol(key);
        backendKey = key;
        break;
      }
      case BackendCode.NoticeResponse:
        break;
      case BackendCode.ReadyForQuery:
        return { parameters, backendKey };
      case BackendCode.ErrorResponse:
        // After AuthenticationOk: the credentials were good, the session is not (no such database, too many connections).
        throw serverError(frame, 'startup');
      default:
        throw unexpected(code, 'startup');
    }
  }
}

function passwordOf(credentials: UpstreamCredentials): string {
  if (credentials.password === undefined) {
    throw new UpstreamAuthenticationError('the server asked for a password and none is configured');
  }
  return credentials.password;
}

function serverError(frame: Buffer, phase: 'authentication' | 'startup'): Error {
  const fields = decodeNoticeFields(frame);
  if (isProtocolViolation(fields)) return brokenProtocol(fields);
  const sqlState = fields.C;
  const message = `${fields.M ?? 'error'} (SQLSTATE ${sqlState ?? 'unknown'})`;
  // Class 28 is "invalid authorization specification": the credentials were refused.
  return phase === 'authentication' || sqlState?.startsWith('28')
    ? new UpstreamAuthenticationError(message, { sqlState })
    : new UpstreamConnectionError(message, { sqlState });
}

function unexpected(code: number, phase: string): UpstreamConnectionError {
  return new UpstreamConnectionError(`unexpected message ${String.fromCharCode(code)} during ${phase}`);
}

function brokenProtocol(cause: Error): UpstreamConnectionError {
  return new UpstreamConnectionError('the server broke the protocol', { cause });
}
