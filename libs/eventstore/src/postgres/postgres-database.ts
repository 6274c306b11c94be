import pg from 'pg';
import type { SqlDatabase, SqlExecutor } from '../sql/sql-database.js';

export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database`; the password never appears in descriptions. */
  url: string;
  /** Pool size. Default 8. */
  maxConnections?: number;
  /** Concurrent group-commit transactions. Default 2. */
  maxConcurrentTransactions?: number;
  connectTimeoutMs?: number;
}

/** A real PostgreSQL server through node-postgres: a pool plus one LISTEN connection. */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<SqlDatabase> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 8,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
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
  const listeners = new Set<pg.Client>();
  return {
    description: `postgres ${describeUrl(options.url)}`,
    maxConcurrentTransactions: options.maxConcurrentTransactions ?? 2,
    ...executor(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      const client = new pg.Client({ connectionString: options.url, application_name: 'portcullis-listen' });
      client.on('error', () => {}); // subscriptions fall back to polling; see SqlEventStore
      client.on('notification', () => onNotify());
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await pool.end();
    },
  };
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
