import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import type { SqlDatabase } from '../sql/sql-database.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

/** The database's applied history differs from the migration files: refuse to go on. */
export class MigrationHistoryError extends PortcullisError {
  constructor(message: string) {
    super(ErrorCode.Integrity, message);
  }
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files in version order; versions must be 1..n without gaps. */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of names) {
    const match = FILE.exec(file);
    if (!match)
      throw new MigrationHistoryError(`${join(dir, file)}: migration files are named NNNN_name.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    const version = Number(match[1]);
    if (version !== migrations.length + 1) {
      throw new MigrationHistoryError(
        `${join(dir, file)}: expected version ${migrations.length + 1}, found ${version}`,
      );
    }
    migrations.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies the missing migrations, each in its own transaction, under an
 * advisory lock so two gateways starting at once do not race. Idempotent.
 * Refuses when an applied migration's name or checksum differs from its file,
 * or when the database has migrations that the files do not.
 */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[]): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    // The lock comes first: CREATE TABLE IF NOT EXISTS itself races when two
    // gateways start at once (both see no table, one fails on the catalog).
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('portcullis_migrations'))`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS portcullis_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM portcullis_migrations ORDER BY version`,
    );
    for (const row of rows) {
      const file = migrations[row.version - 1];
      if (!file) {
        throw new MigrationHistoryError(
          `the database has migration ${row.version} (${row.name}) that no migration file matches: it was migrated by a newer or different Portcullis`,
        );
      }
      if (file.name !== row.name || file.checksum !== row.checksum) {
        throw new MigrationHistoryError(
          `migration ${row.version} was applied as ${row.name} (sha256 ${row.checksum.slice(0, 12)}…) but the file is ${file.name} (sha256 ${file.checksum.slice(0, 12)}…): applied history differs from the files`,
        );
      }
    }
    const applied: string[] = [];
    for (const migration of migrations.slice(rows.length)) {
      // Migrations are plain scripts; the statements run inside this transaction.
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO portcullis_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: rows.length };
  });
}
