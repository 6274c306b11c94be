export type {
  EventStore,
  ExpectedRevision,
  AppendResult,
  Direction,
  ReadStreamOptions,
  ReadAllOptions,
  EventFilter,
  SubscribeOptions,
  EventSubscription,
  CheckpointStore,
} from './port.js';
export { WrongExpectedRevisionError, DuplicateEventError, StoreUnavailableError } from './errors.js';
export type { SqlDatabase, SqlExecutor } from './sql/sql-database.js';
export { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store.js';
export { storeCheckpoint, loadCheckpoint, resetCheckpoint } from './sql/checkpoints.js';
export { openPgliteDatabase } from './pglite/pglite-database.js';
export { openPostgresDatabase, type PostgresDatabaseOptions } from './postgres/postgres-database.js';
export {
  migrate,
  readMigrations,
  MigrationHistoryError,
  type Migration,
  type MigrationReport,
} from './migrations/migration-runner.js';
export {
  openSqlEventStore,
  openDatabase,
  defaultMigrationsDir,
  type EventStoreConfig,
  type OpenedEventStore,
} from './open-event-store.js';
export { backoffDelay, backoffSchedule, type BackoffSchedule } from './backoff.js';
export { verifyChains, type ChainVerificationReport } from './verify-chains.js';
export {
  createEsdbEventStore,
  CHECKPOINT_STREAM_PREFIX,
  type EsdbEventStore,
  type EsdbEventStoreOptions,
  type BackoffOptions,
  type ConsumerGroupMessage,
  type ConsumerGroupOptions,
  type ConsumerGroupSubscription,
} from './esdb/index.js';
