import { fileURLToPath } from 'node:url';
import { openPgliteDatabase } from './pglite/pglite-database.js';
import { describeUrl, openPostgresDatabase } from './postgres/postgres-database.js';
import { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store.js';
import { migrate, readMigrations, type MigrationReport } from './migrations/migration-runner.js';
import { StoreUnavailableError } from './errors.js';
import type { SqlDatabase } from './sql/sql-database.js';

export type EventStoreConfig =
  | { kind: 'pglite'; dataDir: string }
  | {
      kind: 'postgres';
      url: string;
      maxConnections?: number;
      maxConcurrentTransactions?: number;
      queryTimeoutMs?: number;
    };

export interface OpenedEventStore {
  readonly store: SqlEventStore;
  /** The same database, for read models and their checkpoints. */
  readonly db: SqlDatabase;
  readonly migrations: MigrationReport;
}

/** The repository's `migrations/` folder (event store tables and read models). */
export function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../../../migrations/', import.meta.url));
}

/** Connects (or opens the data directory), applies migrations, and opens the store. */
export async function openSqlEventStore(
  config: EventStoreConfig,
  options: SqlEventStoreOptions & { migrationsDir?: string } = {},
): Promise<OpenedEventStore> {
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const db = await openDatabase(config);
  try {
    const report = await migrate(db, migrations);
    const store = await SqlEventStore.open(db, options);
    return { store, db, migrations: report };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

export async function openDatabase(config: EventStoreConfig): Promise<SqlDatabase> {
  const where = config.kind === 'pglite' ? `pglite ${config.dataDir}` : `postgres ${describeUrl(config.url)}`;
  try {
    const db =
      config.kind === 'pglite'
        ? await openPgliteDatabase(config.dataDir)
        : await openPostgresDatabase({
            url: config.url,
            maxConnections: config.maxConnections,
            maxConcurrentTransactions: config.maxConcurrentTransactions,
            queryTimeoutMs: config.queryTimeoutMs,
          });
    await db.query('SELECT 1');
    return db;
  } catch (error) {
    throw new StoreUnavailableError(where, error);
  }
}
