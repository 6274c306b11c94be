import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { DecisionCache, SessionRecorder, type SessionClosing } from '@portcullis/session';
import type { Identity } from '@portcullis/identity';
import { backend } from '../protocol/index.js';
import type { UpstreamSession } from '../upstream/upstream-auth.js';
import { authenticateClient } from './authenticate-client.js';
import type { BackendKeys } from '../listener/backend-keys.js';
import type { CatalogEpoch } from '../masking/catalog-epoch.js';
import { checkSessionAccess } from './check-session-access.js';
import { checkStartup } from './check-startup.js';
import { ClientChannel } from './client-channel.js';
import { connectSessionUpstream, type SessionUpstream } from '../credentials/session-upstream.js';
import { makeClientReady } from './make-client-ready.js';
import { negotiate, type ClientTls } from './negotiate.js';
import type { PgProxyOptions, ProxyLogger } from '../listener/proxy-options.js';
import { sessionOpened, sessionRejected } from './session-audit.js';
import { asSessionRefusal, SqlState, storeUnavailable } from './session-refusal.js';
import { sessionMasking } from '../masking/session-masking.js';
import { SessionRelay } from '../relay/session-relay.js';
import { credentialIssued } from './session-audit.js';
import type { StatementDecision } from '../statements/decide-statement.js';
import { sessionLimits } from './session-timeouts.js';

export interface ConnectionDeps {
  readonly options: PgProxyOptions;
  readonly keys: BackendKeys;
  /** Bumped by any session's DDL: every session's column cache starts over. */
  readonly catalogEpoch: CatalogEpoch;
  readonly logger: ProxyLogger;
  /** TLS towards clients, when the target has a certificate. */
  readonly tls?: ClientTls;
  /** Registers the live relay so a shutdown can stop it. */
  readonly track: (relay: SessionRelay) => () => void;
  /** The client authenticated: it no longer counts as unauthenticated (libs/session admission). */
  readonly authenticated?: () => void;
}

export const DEFAULT_STARTUP_TIMEOUT_MS = 15_000;

/**
 * One client connection, top to bottom:
 *   negotiate → check startup → authenticate → check session access →
 *   connect upstream → SessionOpened → make the client ready → relay.
 * Every step throws a SessionRefusal; only here does it become an
 * ErrorResponse (and a SessionRejected event).
 */
export async function handleConnection(socket: Socket, deps: ConnectionDeps): Promise<void> {
  const { options, logger } = deps;
  const sessionId = randomUUID();
  const channel = new ClientChannel(socket, deps.authenticated);
  const clientAddress = channel.remoteAddress;
  const startupDeadline = setTimeout(
    () => channel.end(fatal(SqlState.ProtocolViolation, 'startup timed out')),
    options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
  );
  startupDeadline.unref();
  let identity: Identity | undefined;
  let upstream: UpstreamSession | undefined;
  let sessionUpstream: SessionUpstream | undefined;
  try {
    const first = await negotiate(channel, deps.tls);
    if (first === null) return clearTimeout(startupDeadline);
    if (first.type === 'cancelRequest') {
      // No response on a cancel connection, as PostgreSQL; unknown keys are dropped.
      clearTimeout(startupDeadline);
      deps.keys.forwardCancel(first);
      return channel.end();
    }
    const startup = checkStartup(first, options.target);
    identity = await authenticateClient(channel, options.tokens);
    const subject = { identity, target: options.target, sessionId, clientAddress };
    const access = await checkSessionAccess(options, subject);
    channel.authenticated();
    sessionUpstream = await connectSessionUpstream(
      options,
      {
        sessionId,
        identity,
        grantedRole: access.decision.upstream?.role,
        ...(access.grant ? { approvedUntil: access.grant.until } : {}),
        applicationName: sessionApplicationName(sessionId, identity, startup.applicationName),
      },
      logger,
    );
    upstream = sessionUpstream.upstream;
    const recorder = await openRecorder(
      options,
      sessionOpened(sessionId, identity, options.target, clientAddress, access),
      identity,
      sessionUpstream.issued ? [credentialIssued(sessionId, sessionUpstream.issued)] : [],
    );
    // The relay exists only once the client is ready; a CancelRequest may come before.
    const live: { relay?: SessionRelay } = {};
    const key = deps.keys.issue(
      upstream.backendKey && {
        host: options.upstream.host,
        port: options.upstream.port,
        key: upstream.backendKey,
      },
      () => live.relay?.cancelPause() ?? false,
    );
    makeClientReady(channel, upstream, key, startup.user);
    clearTimeout(startupDeadline);
    logger.info({ sessionId, subject: identity.subject, target: options.target.name }, 'session opened');
    const context = {
      ...subject,
      policy: options.policy,
      ...(options.approvals ? { approvals: options.approvals } : {}),
      ...(access.grant ? { sessionGrant: access.grant } : {}),
      decisions: new DecisionCache<StatementDecision>(),
      ...(options.shadowPolicy ? { shadow: options.shadowPolicy } : {}),
      ...(options.credential?.mode === 'set-role' ? { roleLocked: true } : {}),
    };
    const masking = sessionMasking(options, context, deps.catalogEpoch);
    const limits = sessionLimits(options, upstream.backendKey);
    const relay = new SessionRelay(
      channel,
      upstream.socket,
      recorder,
      context,
      logger,
      masking.masking,
      limits,
    );
    live.relay = relay;
    const untrack = deps.track(relay);
    const held = options.lifecycle?.hold({
      sessionId,
      identity,
      end: (message) => relay.terminate(message),
    });
    const expiry = credentialExpiry(relay, sessionUpstream.endsAt);
    const startedAt = process.hrtime.bigint();
    const { reason, detail } = await relay.run().finally(() => {
      untrack();
      held?.release();
      clearTimeout(expiry);
      masking.close();
    });
    deps.keys.release(key);
    const revoked = await sessionUpstream.revoke();
    if (revoked) void recorder.credentialRevoked(revoked).catch(() => undefined);
    await closeSession(recorder, channel, held?.closing(reason) ?? { reason }, startedAt, logger);
    logger.info({ sessionId, reason, detail }, 'session closed');
  } catch (error) {
    clearTimeout(startupDeadline);
    upstream?.socket.destroy();
    await sessionUpstream?.revoke();
    const refusal = asSessionRefusal(error, identity);
    channel.end(fatal(refusal.sqlState, refusal.clientMessage));
    logger.warn({ sessionId, reason: refusal.reason, detail: refusal.detail }, 'session refused');
    if (refusal.reason === 'client_disconnected') return;
    await SessionRecorder.reject(
      options.store,
      sessionRejected(sessionId, options.target, clientAddress, refusal),
      recorderContext(options, identity),
      options.audit,
    ).catch((appendError: unknown) =>
      logger.error({ sessionId, err: String(appendError) }, 'could not record SessionRejected'),
    );
  }
}

async function openRecorder(
  options: PgProxyOptions,
  opened: Parameters<typeof SessionRecorder.open>[1],
  identity: Identity,
  following: Parameters<typeof SessionRecorder.open>[4],
): Promise<SessionRecorder> {
  try {
    return await SessionRecorder.open(
      options.store,
      opened,
      recorderContext(options, identity),
      options.audit,
      following,
    );
  } catch (error) {
    throw storeUnavailable(error, identity);
  }
}

async function closeSession(
  recorder: SessionRecorder,
  channel: ClientChannel,
  closing: Pick<SessionClosing, 'reason' | 'terminatedBy' | 'terminationReason' | 'revocationId'>,
  startedAt: bigint,
  logger: ProxyLogger,
): Promise<void> {
  await recorder
    .close({
      ...closing,
      bytesFromClient: channel.bytesFromClient,
      bytesToClient: channel.bytesToClient,
      durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
      commands: recorder.commands,
    })
    .catch((error: unknown) =>
      logger.error({ sessionId: recorder.sessionId, err: String(error) }, 'could not record SessionClosed'),
    );
}

/**
 * What pg_stat_activity and the server's log (%a) show for the session:
 * `portcullis:<session id, first 8>:<subject>[:<client's application_name>]`
 * (63 bytes at most; connect-upstream.ts cuts).
 */
function sessionApplicationName(
  sessionId: string,
  identity: Identity,
  clientName: string | undefined,
): string {
  return [sessionId.slice(0, 8), identity.subject, ...(clientName ? [clientName] : [])].join(':');
}

/** The session ends with its credential (FATAL 57P01, as an administrator's termination). */
function credentialExpiry(relay: SessionRelay, endsAt: Date | undefined): NodeJS.Timeout | undefined {
  if (!endsAt) return undefined;
  // setTimeout holds at most 2^31-1 ms; a longer validity is clamped (the role's VALID UNTIL still binds).
  const delay = Math.min(Math.max(0, endsAt.getTime() - Date.now()), 2 ** 31 - 1);
  const timer = setTimeout(
    () =>
      relay.stop(
        'credential_expired',
        `the session's upstream credential expired at ${endsAt.toISOString()}`,
        fatal(SqlState.AdminShutdown, "portcullis: the session's upstream credential expired"),
      ),
    delay,
  );
  timer.unref();
  return timer;
}

function recorderContext(options: PgProxyOptions, identity: Identity | undefined) {
  return { actor: identity?.subject ?? 'anonymous', gatewayInstance: options.gatewayInstance };
}

function fatal(code: string, message: string): Buffer {
  return backend.errorResponse({ severity: 'FATAL', code, message });
}
