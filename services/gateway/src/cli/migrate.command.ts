import { defaultMigrationsDir, migrate, openDatabase, readMigrations } from '@portcullis/eventstore';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

export async function migrateCommand(options: StoreOptions, io: CliIo): Promise<number> {
  const config = await loadCliConfig(options);
  const target = config.store.kind === 'esdb' ? config.store.readModels : config.store;
  const migrations = await readMigrations(defaultMigrationsDir());
  const db = await openDatabase(target);
  try {
    const report = await migrate(db, migrations);
    io.stdout.write(
      report.applied.length
        ? `applied ${report.applied.join(', ')} to ${db.description}\n`
        : `${db.description} is up to date (${report.alreadyApplied} migrations)\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
