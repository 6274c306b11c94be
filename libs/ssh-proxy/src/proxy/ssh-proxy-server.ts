import { createServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import ssh2 from 'ssh2';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { isLoopbackAddress } from '@portcullis/session';
import { DEFAULT_UNAUTHENTICATED_LIMITS, UnauthenticatedConnections } from '@portcullis/session';
import { DEFAULT_STARTUP_TIMEOUT_MS, handleConnection, type LiveConnection } from './handle-connection.js';
import { loadOrCreateHostKey } from './host-key.js';
import { loadOrCreateUserCa } from '../certificates/user-ca.js';
import { silentLogger, type ProxyLogger, type SshProxyOptions } from './proxy-options.js';
import { refuseConnection } from './refuse-connection.js';

export interface SshProxy {
  readonly address: { readonly host: string; readonly port: number };
  /** Stops listening, ends every session (SessionClosed `proxy_shutdown`) and waits for them. */
  close(): Promise<void>;
}

/** Refused configuration: the proxy does not start rather than run unsafely. */
export class SshProxyConfigError extends PortcullisError {
  constructor(message: string) {
    super(ErrorCode.Validation, message);
  }
}

/**
 * Starts the SSH listener. Clients use the target's name as their SSH user
 * name and their OIDC access token as the password; only `exec` channels
 * are served this round.
 */
export async function startSshProxy(options: SshProxyOptions): Promise<SshProxy> {
  assertLoopback(options.listen.host);
  assertTargets(options);
  const logger = options.logger ?? silentLogger;
  const hostKey = await loadOrCreateHostKey(options.hostKeyFile);
  const certified = options.targets.some((t) => t.upstream.credential === 'certificate');
  const userCa =
    certified && options.userCaKeyFile ? await loadOrCreateUserCa(options.userCaKeyFile) : undefined;
  if (userCa)
    logger.info({ publicKey: userCa.publicKeyLine }, 'ssh user CA: hosts trust it with TrustedUserCAKeys');
  const live = new Set<LiveConnection>();
  const connections = new Set<Promise<void>>();

  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const unauthenticated = unauthenticatedCaps(options, logger);
  // Sockets that have not sent an SSH version line yet: ssh2 only reports a
  // connection after it, so without this deadline garbage could hold a socket forever.
  const preHeader = new Map<string, { timer: NodeJS.Timeout; socket: Socket; release: () => void }>();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client, info) => {
    const key = `${info.ip}:${info.port}`;
    const pending = preHeader.get(key);
    clearTimeout(pending?.timer);
    preHeader.delete(key);
    const done = handleConnection(client, info.ip, {
      options,
      logger,
      ...(userCa ? { userCa } : {}),
      authenticated: pending?.release ?? (() => undefined),
      track: (connection) => {
        live.add(connection);
        return () => live.delete(connection);
      },
    })
      .catch((error: unknown) => logger.error({ err: String(error) }, 'connection handler failed'))
      .finally(() => connections.delete(done));
    connections.add(done);
  });
  const listener = createServer((socket) => {
    const admission = unauthenticated.admit(socket.remoteAddress);
    if (!admission.admitted) return refuseConnection(socket, admission.message);
    socket.once('close', admission.release);
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const timer = setTimeout(() => {
      preHeader.delete(key);
      socket.destroy();
    }, startupTimeoutMs);
    timer.unref();
    preHeader.set(key, { timer, socket, release: admission.release });
    socket.once('close', () => {
      if (preHeader.get(key)?.timer === timer) {
        clearTimeout(timer);
        preHeader.delete(key);
      }
    });
    server.injectSocket(socket);
  });
  listener.on('error', (error: Error) => logger.error({ err: error.message }, 'ssh listener error'));
  server.on('error', (error: Error) => logger.error({ err: error.message }, 'ssh server error'));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.listen.port, options.listen.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const bound = listener.address();
  if (bound === null || typeof bound === 'string')
    throw new SshProxyConfigError('listener has no TCP address');
  logger.info({ host: bound.address, port: bound.port }, 'ssh proxy listening');

  return {
    address: { host: bound.address, port: bound.port },
    async close() {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const connection of live) connection.stop('proxy_shutdown');
      for (const { timer, socket } of preHeader.values()) {
        clearTimeout(timer);
        socket.destroy();
      }
      await Promise.race([Promise.allSettled([...connections]), delay(2_000, undefined, { ref: false })]);
      await closed;
    },
  };
}

/** The listener's caps on connections not yet authenticated (libs/session); bad limits refuse the start. */
function unauthenticatedCaps(options: SshProxyOptions, logger: ProxyLogger): UnauthenticatedConnections {
  try {
    return new UnauthenticatedConnections(
      { ...DEFAULT_UNAUTHENTICATED_LIMITS, ...options.unauthenticatedConnections },
      logger,
      `ssh ${options.listen.host}:${options.listen.port}`,
    );
  } catch (error) {
    throw new SshProxyConfigError(error instanceof Error ? error.message : String(error));
  }
}

function assertTargets(options: SshProxyOptions): void {
  const names = new Set<string>();
  for (const target of options.targets) {
    if (names.has(target.name)) throw new SshProxyConfigError(`target ${target.name} is configured twice`);
    names.add(target.name);
    const hostKey = ssh2.utils.parseKey(target.upstream.hostKey);
    if (hostKey instanceof Error || Array.isArray(hostKey))
      throw new SshProxyConfigError(
        `target ${target.name}: upstream hostKey is not a public key ssh2 can read`,
      );
    if (target.upstream.credential === 'certificate') {
      if (!options.userCaKeyFile)
        throw new SshProxyConfigError(
          `target ${target.name}: credential certificate needs the gateway's user CA (userCaKeyFile)`,
        );
      continue;
    }
    const key =
      target.upstream.privateKey === undefined ? undefined : ssh2.utils.parseKey(target.upstream.privateKey);
    if (key === undefined || key instanceof Error || Array.isArray(key) || !key.isPrivateKey())
      throw new SshProxyConfigError(
        `target ${target.name}: upstream privateKey is not a private key ssh2 can read`,
      );
  }
}

function assertLoopback(host: string): void {
  if (!isLoopbackAddress(host))
    throw new SshProxyConfigError(
      `refusing to listen on ${host}: the SSH proxy is loopback-only until the gateway fronts it; listen on a loopback address`,
    );
}
