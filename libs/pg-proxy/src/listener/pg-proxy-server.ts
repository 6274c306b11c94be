import { sweepEphemeralRoles } from '../credentials/sweep-ephemeral-roles.js';
import { initSqlParser } from '@portcullis/sql';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, type Socket } from 'node:net';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { createMasker } from '@portcullis/masking';
import { DEFAULT_UNAUTHENTICATED_LIMITS, UnauthenticatedConnections } from '@portcullis/session';
import { BackendKeys } from './backend-keys.js';
import { CatalogEpoch } from '../masking/catalog-epoch.js';
import { clientTls } from './client-tls.js';
import type { ClientTls } from '../connection/negotiate.js';
import { handleConnection } from '../connection/handle-connection.js';
import { silentLogger, type PgProxyOptions, type ProxyLogger } from './proxy-options.js';
import { refuseConnection } from './refuse-connection.js';
import type { SessionRelay } from '../relay/session-relay.js';

export interface PgProxy {
  readonly address: { readonly host: string; readonly port: number };
  /** Stops listening, ends every session (SessionClosed `proxy_shutdown`) and waits for them. */
  close(): Promise<void>;
}

/** Refused configuration: the proxy does not start rather than run unsafely. */
export class PgProxyConfigError extends PortcullisError {
  constructor(message: string) {
    super(ErrorCode.Validation, message);
  }
}

/**
 * Starts a PostgreSQL listener for one target. Clients send their OIDC token
 * as the password, so a listener off loopback needs TLS (a certificate and
 * key) and refuses clients that do not use it.
 */
export async function startPgProxy(options: PgProxyOptions): Promise<PgProxy> {
  const tls = listenerTls(options);
  assertMaskingKey(options.maskingKey);
  await initSqlParser(); // every statement is classified synchronously on the hot path
  const logger = options.logger ?? silentLogger;
  if (options.credential?.mode === 'ephemeral-role') await sweepEphemeralRoles(options, logger);
  const keys = new BackendKeys();
  const catalogEpoch = new CatalogEpoch();
  const relays = new Set<SessionRelay>();
  const sockets = new Set<Socket>();
  const connections = new Set<Promise<void>>();
  const unauthenticated = unauthenticatedCaps(options, logger);

  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const admission = unauthenticated.admit(socket.remoteAddress);
    if (!admission.admitted) return refuseConnection(socket, admission.message);
    socket.once('close', admission.release);
    const done = handleConnection(socket, {
      options,
      keys,
      catalogEpoch,
      logger,
      ...(tls ? { tls } : {}),
      authenticated: admission.release,
      track: (relay) => {
        relays.add(relay);
        return () => relays.delete(relay);
      },
    })
      .catch((error: unknown) => {
        logger.error({ err: String(error) }, 'connection handler failed');
        socket.destroy();
      })
      .finally(() => connections.delete(done));
    connections.add(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string')
    throw new PgProxyConfigError('listener has no TCP address');
  logger.info(
    { host: bound.address, port: bound.port, target: options.target.name },
    'postgres proxy listening',
  );

  return {
    address: { host: bound.address, port: bound.port },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const relay of relays) relay.stop('proxy_shutdown', 'the proxy is shutting down');
      // Give sessions a moment to record SessionClosed, then cut whatever is left (clients mid-startup).
      await Promise.race([Promise.allSettled([...connections]), delay(1_000, undefined, { ref: false })]);
      for (const socket of sockets) socket.destroy();
      await Promise.allSettled([...connections]);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The listener's caps on connections not yet authenticated (libs/session); bad limits refuse the start. */
function unauthenticatedCaps(options: PgProxyOptions, logger: ProxyLogger): UnauthenticatedConnections {
  try {
    return new UnauthenticatedConnections(
      { ...DEFAULT_UNAUTHENTICATED_LIMITS, ...options.unauthenticatedConnections },
      logger,
      `postgres ${options.target.name}`,
    );
  } catch (error) {
    throw new PgProxyConfigError(error instanceof Error ? error.message : String(error));
  }
}

function listenerTls(options: PgProxyOptions): ClientTls | undefined {
  try {
    return clientTls(options);
  } catch (error) {
    throw new PgProxyConfigError(error instanceof Error ? error.message : String(error));
  }
}

/** A masking key that `hash` cannot use is a configuration error, found at start rather than on a row. */
function assertMaskingKey(key: Buffer | undefined): void {
  if (key === undefined) return;
  try {
    createMasker({ hashKey: key });
  } catch (error) {
    throw new PgProxyConfigError(`maskingKey: ${error instanceof Error ? error.message : String(error)}`);
  }
}
