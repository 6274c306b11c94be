import {
  createEsdbEventStore,
  openSqlEventStore,
  type EventStore,
  type SqlDatabase,
} from '@portcullis/eventstore';
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
    // Events in EventStoreDB; read models and their checkpoints in SQL.
    const readModels = await openSqlEventStore(store.readModels);
    const events = createEsdbEventStore({
      connectionString: store.connectionString,
      gatewayInstance: config.instance,
    });
    try {
      await events.ping();
    } catch (error) {
      await events.close().catch(() => {});
      await readModels.store.close();
      throw error;
    }
    log.info({ store: events.description, readModels: readModels.db.description }, 'event store open');
    return {
      config,
      store: events,
      readModels: readModels.db,
      log,
      close: async () => {
        await events.close();
        await readModels.store.close();
      },
    };
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
