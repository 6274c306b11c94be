import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgres, tempDir, type PostgresServer } from '@portcullis/test-support';
import { defaultMigrationsDir, openDatabase } from '../open-event-store.js';
import { migrate, readMigrations, MigrationHistoryError } from './migration-runner.js';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

async function freshDatabase(name: string) {
  const admin = await openDatabase({ kind: 'postgres', url: server.url() });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  return openDatabase({ kind: 'postgres', url: server.url(name) });
}

test('migrations apply once; running again applies nothing', async () => {
  const db = await freshDatabase('m_idempotent');
  const migrations = await readMigrations(defaultMigrationsDir());
  const first = await migrate(db, migrations);
  assert.equal(first.applied.length, migrations.length);
  assert.ok(first.applied.includes('0001_event_store.sql'));
  const second = await migrate(db, migrations);
  assert.deepEqual(second, { applied: [], alreadyApplied: migrations.length });
  await db.close();
});

test('two gateways migrating at once do not race', async () => {
  const db1 = await freshDatabase('m_race');
  const db2 = await openDatabase({ kind: 'postgres', url: server.url('m_race') });
  const migrations = await readMigrations(defaultMigrationsDir());
  const [a, b] = await Promise.all([migrate(db1, migrations), migrate(db2, migrations)]);
  assert.equal(a.applied.length + b.applied.length, migrations.length);
  await Promise.all([db1.close(), db2.close()]);
});

test('a database whose applied history differs from the files is refused', async () => {
  const db = await freshDatabase('m_differs');
  const migrations = await readMigrations(defaultMigrationsDir());
  await migrate(db, migrations);
  const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
  await assert.rejects(migrate(db, edited), (e) => {
    assert.ok(e instanceof MigrationHistoryError);
    assert.match(e.message, /migration 1 was applied as 0001_event_store\.sql .* applied history differs/);
    return true;
  });
  await assert.rejects(migrate(db, migrations.slice(0, 0)), /no migration file matches/);
  await db.close();
});

test('migration files must be numbered without gaps', async () => {
  const dir = await tempDir();
  await mkdir(join(dir.path, 'm'));
  await cp(join(defaultMigrationsDir(), '0001_event_store.sql'), join(dir.path, 'm', '0001_event_store.sql'));
  await writeFile(join(dir.path, 'm', '0003_oops.sql'), 'select 1;');
  await assert.rejects(readMigrations(join(dir.path, 'm')), /0003_oops\.sql: expected version 2, found 3/);
  await dir.remove();
});
