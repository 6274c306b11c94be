import pg from 'pg';
import { backoffDelay, backoffSchedule } from '../backoff.js';
import type { SqlDatabase, SqlExecutor } from '../sql/sql-database.js';

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`; the password never appears in descriptions. */
  url: string;
  /** Pool size. Default 8. */
  maxConnections?: number;
  /** Concurrent group-commit transactions. Default 2. */
  maxConcurrentTransactions?: number;
  connectTimeoutMs?: number;
  /**
   * A query the server has not answered in this time fails and its
   * connection is dropped (default 10 s). A frozen server (SIGSTOP, a hung
   * disk) then frees the pool instead of holding every connection forever;
   * appends are idempotent by event id, so a retry after an unknown outcome
   * is safe.
   */
  queryTimeoutMs?: number;
}

/**
 * A node-postgres client that can never emit an unhandled 'error': a
 * connection the server ends outside a query (pg_terminate_backend, a
 * restart) emits one, and pg-pool drops its own listener while a client is
 * checked out, so without this a fault at the wrong moment ends the process.
 * Queries still fail with the error; the pool still discards the client.
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** How the LISTEN connection waits between reconnect attempts. */
const LISTEN_BACKOFF = backoffSchedule({ initialDelayMs: 100, maxDelayMs: 5_000 });

/**
 * A real PostgreSQL server through node-postgres: a pool plus one LISTEN
 * connection. No fault of the server (restart, failover,
 * `pg_terminate_backend`, a freeze) may end the process: every client has an
 * error listener, broken clients are discarded instead of returned to the
 * pool, and the LISTEN connection reconnects by itself.
 */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<SqlDatabase> {
  const pool = new pg.Pool({
    Client: GuardedClient,
    connectionString: options.url,
    max: options.maxConnections ?? 8,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 10_000,
    keepAlive: true,
    application_name: 'portcullis',
  });
  // An idle client's error (server restart) must not crash the process; the
  // next query on the pool reconnects or fails with a clear error.
  pool.on('error', () => {});
  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    query: async <Row>(text: string, params?: readonly unknown[]) => {
      const result = await client.query(text, params ? [...params] : undefined);
      return { rows: result.rows as Row[] };
    },
    exec: async <Row>(script: string) => {
      // No parameters: node-postgres sends the simple-query protocol, and
      // answers one result per statement (a bare result for a single one).
      const results = (await client.query(script)) as unknown as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(results) ? results : [results]).map((r) => ({ rows: r.rows as Row[] }));
    },
  });
  const listeners = new Set<{ close(): Promise<void> }>();
  return {
    description: `postgres ${describeUrl(options.url)}`,
    maxConcurrentTransactions: options.maxConcurrentTransactions ?? 2,
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      // pg-pool drops its idle error listener while a client is checked out:
      // without ours, a connection killed mid-transaction is an unhandled
      // 'error' event, which ends the process.
      let broken: Error | undefined;
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!broken) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        broken ??= isConnectionLost(error) ? (error as Error) : undefined;
        throw error;
      } finally {
        client.off('error', onError);
        // A broken client is destroyed, never handed to the next transaction.
        client.release(broken ?? undefined);
      }
    },
    async listen(channel, onNotify) {
      const listener = await listenWithReconnect(options.url, channel, onNotify);
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.close();
      };
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.close()));
      await pool.end();
    },
  };
}

/**
 * One LISTEN connection that comes back after the server does. While it is
 * down, subscribers still poll (SqlEventStore's `pollIntervalMs`); once it
 * is back, `onNotify` fires once so they re-read what they may have missed.
 */
async function listenWithReconnect(
  url: string,
  channel: string,
  onNotify: () => void,
): Promise<{ close(): Promise<void> }> {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    const next = new GuardedClient({
      connectionString: url,
      application_name: 'portcullis-listen',
      keepAlive: true,
    });
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    next.on('notification', () => onNotify());
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    if (closed) return void (await next.end().catch(() => {}));
    client = next;
    failures = 0;
  };
  const scheduleReconnect = (): void => {
    if (closed || timer) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        connect().then(onNotify, scheduleReconnect);
      },
      backoffDelay(failures++, LISTEN_BACKOFF),
    );
    timer.unref();
  };
  const lost = (failed: pg.Client): void => {
    if (client !== failed) return; // a connection that never became ours: connect() handles it
    client = undefined;
    failed.end().catch(() => {});
    scheduleReconnect();
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}

/** node-postgres' words for a connection that is gone (as opposed to a failed statement). */
function isConnectionLost(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|Query read timeout|ECONNRESET|EPIPE|not queryable/i.test(message);
}

/** host:port/database, without user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable url)';
  }
}
