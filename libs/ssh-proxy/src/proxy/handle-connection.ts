import { randomUUID } from 'node:crypto';
import type ssh2 from 'ssh2';
import { SessionRecorder, type HeldSession } from '@portcullis/session';
import type { Identity } from '@portcullis/identity';
import { authenticateClient } from './authenticate-client.js';
import { checkSessionAccess } from './check-session-access.js';
import { connectUpstream } from './connect-upstream.js';
import { DEFAULT_RECORDING_LIMITS, TerminalRecording } from '../terminal/terminal-recording.js';
import type { ByteCounters } from './exec-command.js';
import type { ProxyLogger, SshProxyOptions, SshTarget } from './proxy-options.js';
import { recordRefusal } from './record-refusal.js';
import { refuseOtherRequests } from './refuse-requests.js';
import { serveSessionChannel } from './session-channel.js';
import { sessionOpened, sessionRejected } from './session-audit.js';
import { SessionRefusal } from './session-refusal.js';
import type { UserCa } from '../certificates/user-ca.js';
import { sessionCertificate } from '../certificates/session-certificate.js';

/** Why a session ended, as SessionClosed records it. */
export type CloseReason = 'client_disconnected' | 'upstream_closed' | 'proxy_shutdown' | 'terminated';

/** A live connection, as the server tracks it for shutdown. */
export interface LiveConnection {
  stop(reason: CloseReason): void;
}

export interface ConnectionDeps {
  readonly options: SshProxyOptions;
  readonly logger: ProxyLogger;
  /** The gateway's user CA, when a target logs in with session certificates. */
  readonly userCa?: UserCa;
  readonly track: (connection: LiveConnection) => () => void;
  /** The client authenticated: it no longer counts as unauthenticated (libs/session admission). */
  readonly authenticated?: () => void;
}

interface OpenSession {
  readonly identity: Identity;
  readonly target: SshTarget;
  readonly upstream: ssh2.Client;
  readonly recorder: SessionRecorder;
  /** When SessionOpened was durable: recorded channels are timed from here. */
  readonly openedAt: bigint;
}

export const DEFAULT_STARTUP_TIMEOUT_MS = 15_000;
const TOKEN_METHODS: ssh2.AuthenticationType[] = ['password', 'keyboard-interactive'];

/**
 * One client connection, top to bottom:
 *   authenticate (token as password) → select the target by user name →
 *   check session access → connect upstream (pinned host key) →
 *   SessionOpened → accept → exec channels → SessionClosed.
 * One token attempt per connection: a refusal is recorded once
 * (SessionRejected) and the client gets an authentication failure with no
 * methods left. Resolves when the connection is gone and recorded.
 */
export function handleConnection(
  client: ssh2.Connection,
  clientAddress: string,
  deps: ConnectionDeps,
): Promise<void> {
  const { options, logger } = deps;
  const sessionId = randomUUID();
  let attempted = false;
  let session: OpenSession | undefined;
  let closing: CloseReason | undefined;
  const bytes: ByteCounters = { fromClient: 0, toClient: 0 };
  const execs = new Set<Promise<void>>();
  const channels = new Set<ssh2.ServerChannel>();
  let held: HeldSession | undefined;
  const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.on('error', (error) => logger.debug({ sessionId, err: error.message }, 'client connection error'));

  const startupDeadline = setTimeout(() => {
    if (!session) client.end();
  }, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
  startupDeadline.unref();

  const attempt = (ctx: ssh2.AuthContext, username: string, token: string) => {
    if (attempted) return ctx.reject([]);
    attempted = true;
    openSession(sessionId, username, token, clientAddress, options, deps.userCa).then(
      (opened) => {
        session = opened;
        clearTimeout(startupDeadline);
        deps.authenticated?.();
        ctx.accept();
        held = options.lifecycle?.hold({
          sessionId,
          identity: opened.identity,
          end: (message) => terminate(message),
        });
        logger.info(
          { sessionId, subject: opened.identity.subject, target: opened.target.name },
          'session opened',
        );
      },
      (error: unknown) => {
        const refusal = asRefusal(error);
        ctx.reject([]);
        setImmediate(() => client.end());
        logger.warn({ sessionId, reason: refusal.reason, detail: refusal.detail }, 'session refused');
        void SessionRecorder.reject(
          options.store,
          sessionRejected(sessionId, username, clientAddress, refusal),
          { actor: refusal.identity?.subject ?? 'anonymous', gatewayInstance: options.gatewayInstance },
          options.audit,
        ).catch((appendError: unknown) =>
          logger.error({ sessionId, err: String(appendError) }, 'could not record SessionRejected'),
        );
      },
    );
  };

  client.on('authentication', (ctx) => {
    if (ctx.method === 'password') return attempt(ctx, ctx.username, ctx.password);
    if (ctx.method === 'keyboard-interactive' && !attempted) {
      return ctx.prompt([{ prompt: 'Access token: ', echo: false }], 'Portcullis', '', (answers) =>
        attempt(ctx, ctx.username, answers[0] ?? ''),
      );
    }
    ctx.reject(attempted ? [] : TOKEN_METHODS);
  });

  client.on('ready', () => {
    const open = session;
    if (!open) return client.end();
    const context = {
      policy: options.policy,
      ...(options.shadowPolicy ? { shadow: options.shadowPolicy } : {}),
      identity: open.identity,
      target: open.target,
      sessionId,
      clientAddress,
      ...(options.approvals ? { approvals: options.approvals } : {}),
    };
    open.upstream.once('close', () => stop('upstream_closed'));
    const refuse = (argv: string[], reason: string) =>
      recordRefusal(context, open.recorder, argv, reason, logger);
    let terminals = 0;
    client.on('session', (accept) => {
      serveSessionChannel(accept(), {
        context,
        recorder: open.recorder,
        upstream: open.upstream,
        bytes,
        logger,
        recordInput: options.recordInput ?? false,
        record: (events) =>
          new TerminalRecording(
            (batch) => open.recorder.output(batch),
            terminals++,
            Number(process.hrtime.bigint() - open.openedAt) / 1e9,
            events,
            { ...DEFAULT_RECORDING_LIMITS, ...options.recording },
          ),
        refuse: (what, reason) => refuse(what.split(' '), reason),
        track: (run) => {
          execs.add(run);
          void run.finally(() => execs.delete(run));
        },
        opened: (channel) => {
          channels.add(channel);
          channel.once('close', () => channels.delete(channel));
        },
      });
    });
    refuseOtherRequests(client, refuse);
  });

  const stop = (reason: CloseReason) => {
    closing ??= reason;
    session?.upstream.end();
    client.end();
  };

  /** An operator ended the session (libs/session LiveSessions): say why on every open channel, then close. */
  const terminate = (message: string) => {
    closing ??= 'terminated';
    session?.upstream.end(); // nothing more runs from here on
    for (const channel of channels) {
      channel.stderr.write(`\r\n${message}\r\n`);
      channel.close();
    }
    // The connection ends a moment later, so the message and the channel close reach the client first.
    setTimeout(() => stop('terminated'), 200).unref();
  };

  const untrack = deps.track({ stop });
  const startedAt = process.hrtime.bigint();
  return gone.then(async () => {
    clearTimeout(startupDeadline);
    untrack();
    held?.release();
    if (!session) return;
    session.upstream.end();
    // Let running commands record CommandCompleted before SessionClosed.
    await Promise.allSettled([...execs]);
    await session.recorder
      .close({
        ...(held?.closing(closing ?? 'client_disconnected') ?? { reason: closing ?? 'client_disconnected' }),
        bytesFromClient: bytes.fromClient,
        bytesToClient: bytes.toClient,
        durationMs: Number(process.hrtime.bigint() - startedAt) / 1e6,
        commands: session.recorder.commands,
      })
      .catch((error: unknown) =>
        logger.error({ sessionId, err: String(error) }, 'could not record SessionClosed'),
      );
    logger.info({ sessionId, reason: closing ?? 'client_disconnected' }, 'session closed');
  });
}

async function openSession(
  sessionId: string,
  username: string,
  token: string,
  clientAddress: string,
  options: SshProxyOptions,
  userCa: UserCa | undefined,
): Promise<OpenSession> {
  const identity = await authenticateClient(token, options.tokens);
  const target = options.targets.find((t) => t.name === username);
  if (!target)
    throw new SessionRefusal('unknown_target', `no target named ${JSON.stringify(username)}`, identity);
  const subject = { identity, target, sessionId, clientAddress };
  const access = checkSessionAccess(options.policy, subject, options.lifecycle);
  const certificate = sessionCertificate(target, userCa, sessionId, identity, access.upstream?.principal);
  const upstream = await connectUpstream(target.upstream, identity, certificate);
  try {
    const recorder = await SessionRecorder.open(
      options.store,
      sessionOpened(sessionId, identity, target, clientAddress, access),
      { actor: identity.subject, gatewayInstance: options.gatewayInstance },
      options.audit,
      certificate ? [{ type: 'UpstreamCredentialIssued', data: { sessionId, ...certificate.issued } }] : [],
    );
    return { identity, target, upstream, recorder, openedAt: process.hrtime.bigint() };
  } catch (error) {
    upstream.end();
    // No audit, no session: fail closed.
    throw new SessionRefusal(
      'store_unavailable',
      error instanceof Error ? error.message : String(error),
      identity,
    );
  }
}

function asRefusal(error: unknown): SessionRefusal {
  return error instanceof SessionRefusal
    ? error
    : new SessionRefusal('internal_error', error instanceof Error ? error.message : String(error));
}
