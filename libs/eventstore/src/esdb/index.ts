export { createEsdbEventStore, type EsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store.js';
export type { BackoffOptions } from '../backoff.js';
export type { ReconnectInfo } from './subscribe-to-all.js';
export type {
  ConsumerGroupMessage,
  ConsumerGroupOptions,
  ConsumerGroupSubscription,
} from './consumer-groups.js';
export { CHECKPOINT_STREAM_PREFIX } from './event-filter.js';
