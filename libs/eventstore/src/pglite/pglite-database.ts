import { PGlite } from '@electric-sql/pglite';
import type { SqlDatabase, SqlExecutor } from '../sql/sql-database.js';

/**
 * The embedded default: PostgreSQL compiled to WebAssembly (PGlite), on a data
 * directory, in this process. Nothing to install; one process owns the
 * directory. PGlite runs one statement at a time, so group commit uses one
 * transaction at a time and batches everything that queues behind it.
 */
export async function openPgliteDatabase(dataDir: string): Promise<SqlDatabase> {
  const pg = await PGlite.create(dataDir);
  const executor = (q: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    query: async <Row>(text: string, params?: readonly unknown[]) => {
      const result = await q.query<Row>(text, params ? [...params] : undefined);
      return { rows: result.rows };
    },
    exec: async <Row>(script: string) => {
      const results = await q.exec(script);
      return results.map((r) => ({ rows: r.rows as Row[] }));
    },
  });
  return {
    description: `pglite ${dataDir}`,
    maxConcurrentTransactions: 1,
    ...executor(pg),
    transaction: (work) => pg.transaction((tx) => work(executor(tx))),
    listen: async (channel, onNotify) => {
      const unsubscribe = await pg.listen(channel, () => onNotify());
      return async () => {
        if (!pg.closed) await unsubscribe();
      };
    },
    close: async () => {
      if (!pg.closed) await pg.close();
    },
  };
}
