import type { AnyEvent } from '@portcullis/events';
import { typed, typedSubscription } from '../typed-reads.js';
import { EventStoreDBClient } from '@eventstore/db-client';
import { ValidationError } from '@portcullis/events';
import type {
  EventFilter,
  EventStore,
  EventSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
} from '../port.js';
import { appendEvents, DEFAULT_APPEND_ATTEMPTS } from './append.js';
import { backoffSchedule, type BackoffOptions } from '../backoff.js';
import { EsdbCheckpointStore } from './checkpoints.js';
import { describeConnectionString, withConnectionName } from './connection-string.js';
import {
  createConsumerGroup,
  subscribeConsumerGroup,
  type ConsumerGroupOptions,
  type ConsumerGroupSubscription,
} from './consumer-groups.js';
import { pingStore } from './ping.js';
import { readAllEvents } from './read-all.js';
import { readStreamEvents } from './read-stream.js';
import { EsdbAllSubscription, type ReconnectInfo } from './subscribe-to-all.js';

export interface EsdbEventStoreOptions {
  /**
   * `esdb://[user:password@]host:2113[,host2:2113…][?tls=false&…]` for one node
   * or a fixed cluster, `esdb+discover://…` for gossip discovery. KurrentDB
   * servers speak the same protocol; the `kurrentdb://` scheme needs the newer
   * client, so spell it `esdb://` here.
   */
  readonly connectionString: string;
  /** Names the gRPC connection `portcullis-<instance>` in the server's logs. */
  readonly gatewayInstance?: string;
  /** Reconnect schedule of subscriptions. */
  readonly backoff?: BackoffOptions;
  /** Tries per append when other writers keep winning the race (expected `any`/`stream_exists`). Default 5. */
  readonly appendAttempts?: number;
  /** Told before every subscription reconnect. */
  readonly onReconnect?: (info: ReconnectInfo) => void;
}

/** The EventStore port, plus what only EventStoreDB offers: server-side consumer groups for SIEMs. */
export interface EsdbEventStore extends EventStore {
  readonly consumerGroups: {
    create(group: string, options?: ConsumerGroupOptions): Promise<void>;
    subscribe(
      group: string,
      options?: { filter?: EventFilter; bufferSize?: number },
    ): ConsumerGroupSubscription;
  };
}

export function createEsdbEventStore(options: EsdbEventStoreOptions): EsdbEventStore {
  const description = describeConnectionString(options.connectionString);
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(
      withConnectionName(options.connectionString, options.gatewayInstance),
    );
  } catch (error) {
    throw new ValidationError(`invalid EventStoreDB connection string for ${description}`, [
      { path: 'connectionString', message: error instanceof Error ? error.message : String(error) },
    ]);
  }
  const backoff = backoffSchedule(options.backoff);
  const attempts = options.appendAttempts ?? DEFAULT_APPEND_ATTEMPTS;
  const subscriptions = new Set<EventSubscription>();

  return {
    description,
    append: (streamName, events, expected) =>
      appendEvents(client, description, streamName, events, expected, attempts),
    readStream: async <E extends AnyEvent>(streamName: string, readOptions?: ReadStreamOptions) =>
      typed<E>(await readStreamEvents(client, description, streamName, readOptions)),
    readAll: async <E extends AnyEvent>(readOptions?: ReadAllOptions) =>
      typed<E>(await readAllEvents(client, description, readOptions)),
    subscribeToAll<E extends AnyEvent>(subscribeOptions: SubscribeOptions = {}) {
      const subscription: EventSubscription = new EsdbAllSubscription(
        client,
        subscribeOptions,
        { store: description, backoff, ...(options.onReconnect ? { onReconnect: options.onReconnect } : {}) },
        () => subscriptions.delete(subscription),
      );
      subscriptions.add(subscription);
      return typedSubscription<E>(subscription);
    },
    checkpoints: new EsdbCheckpointStore(client, description),
    ping: () => pingStore(client, description),
    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      await client.dispose();
    },
    consumerGroups: {
      create: (group, groupOptions) => createConsumerGroup(client, description, group, groupOptions),
      subscribe: (group, subscribeOptions) =>
        subscribeConsumerGroup(client, description, group, subscribeOptions),
    },
  };
}
