import { openSqlEventStore, type EventStore, type SqlDatabase } from '@portcullis/eventstore';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gateway-config.js';

/** What the gateway opens before Nest starts, and closes after it stops. */
export interface GatewayRuntime {
  readonly config: GatewayConfig;
  readonly store: EventStore;
  /** Where read models and projection checkpoints live. */
  readonly readModels: SqlDatabase;
  readonly log: Logger;
  close(): Promise<void>;
}

/** Opens the configured store (migrating SQL databases first). Fails with the address on an unreachable store. */
export async function openRuntime(config: GatewayConfig, log: Logger): Promise<GatewayRuntime> {
  const store = config.store;
  if (store.kind === 'esdb') {
    throw new PortcullisError(
      ErrorCode.Validation,
      'store kind esdb: the EventStoreDB adapter is not wired into the gateway yet; use pglite or postgres',
    );
  }
  const opened = await openSqlEventStore(store);
  log.info(
    { store: opened.store.description, migrationsApplied: opened.migrations.applied },
    'event store open',
  );
  return {
    config,
    store: opened.store,
    readModels: opened.db,
    log,
    close: () => opened.store.close(),
  };
}
