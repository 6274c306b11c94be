import {
  END,
  ErrorType,
  START,
  persistentSubscriptionToAllSettingsFromDefaults,
  type EventStoreDBClient,
  type PersistentAction,
} from '@eventstore/db-client';
import type { Position, RecordedEvent } from '@portcullis/events';
import type { EventFilter } from '../port.js';
import { isDomainEvent, matchesFilter, toEsdbFilter } from './event-filter.js';
import { toEsdbPosition } from './position.js';
import { fromEsdbEvent, isPortcullisStored } from './stored-event.js';
import { isEsdbError, translateEsdbError } from './translate-error.js';

/*
 * SIEM consumer groups: ESDB persistent subscriptions to `$all`. The server
 * keeps the group's position and spreads events over the group's members
 * (round robin by default), redelivering what is not acknowledged: delivery
 * is at least once, so consumers deduplicate on `event.id`.
 *
 * Why `$all` with a stream-prefix filter rather than the category stream
 * `$ce-session`: category streams exist only when the server runs its system
 * projections (off by default) and hold link events, which lose the `$all`
 * position we hand out. A filter `{ streamPrefixes: ['session-'] }` selects
 * the same events with neither drawback.
 */

export type ConsumerGroupClient = Pick<
  EventStoreDBClient,
  'createPersistentSubscriptionToAll' | 'subscribeToPersistentSubscriptionToAll'
>;

export interface ConsumerGroupOptions {
  /** Which events the group receives; pass the same filter to subscribeConsumerGroup. */
  readonly filter?: EventFilter;
  /** Where a new group starts (inclusive). Default `start`: a new SIEM usually wants the history. */
  readonly from?: 'start' | 'end' | Position;
}

export interface ConsumerGroupMessage {
  readonly event: RecordedEvent;
  /** Processed: the group moves on. */
  ack(): Promise<void>;
  /** Not processed: `retry` (default) redelivers, `park` sets it aside in the parked-messages stream, `skip` drops it. */
  nack(reason: string, action?: Extract<PersistentAction, 'retry' | 'park' | 'skip'>): Promise<void>;
}

/**
 * One member's connection to its group. It ends with StoreUnavailableError
 * when the connection drops; subscribe again to continue where the group is
 * (unacknowledged messages come back).
 */
export interface ConsumerGroupSubscription extends AsyncIterable<ConsumerGroupMessage> {
  close(): Promise<void>;
}

/** Creates the group; creating one that exists is a no-op (its settings are left as they are). */
export async function createConsumerGroup(
  client: ConsumerGroupClient,
  store: string,
  group: string,
  options: ConsumerGroupOptions = {},
): Promise<void> {
  const from = options.from ?? 'start';
  const startFrom = from === 'start' ? START : from === 'end' ? END : toEsdbPosition(from);
  try {
    await client.createPersistentSubscriptionToAll(
      group,
      persistentSubscriptionToAllSettingsFromDefaults({ startFrom, resolveLinkTos: false }),
      { filter: toEsdbFilter(options.filter) },
    );
  } catch (error) {
    if (isEsdbError(error, ErrorType.PERSISTENT_SUBSCRIPTION_EXISTS)) return;
    throw translateEsdbError(error, store);
  }
}

/**
 * Joins the group. Records that are not Portcullis events (system events,
 * checkpoints, other applications' events) or that the server-side filter
 * let through but `filter` does not are acknowledged and skipped here.
 */
export function subscribeConsumerGroup(
  client: ConsumerGroupClient,
  store: string,
  group: string,
  options: { filter?: EventFilter; bufferSize?: number } = {},
): ConsumerGroupSubscription {
  const subscription = client.subscribeToPersistentSubscriptionToAll(
    group,
    options.bufferSize === undefined ? {} : { bufferSize: options.bufferSize },
  );
  let closed = false;
  const translated = (work: Promise<void>): Promise<void> =>
    work.catch((error: unknown) => {
      throw translateEsdbError(error, store);
    });

  async function* messages(): AsyncGenerator<ConsumerGroupMessage> {
    try {
      for await (const resolved of subscription) {
        const event = resolved.event;
        if (!event || !isDomainEvent(event.streamId, event.type) || !isPortcullisStored(event)) {
          await subscription.ack(resolved);
          continue;
        }
        const recorded = fromEsdbEvent(event);
        if (!matchesFilter(recorded, options.filter)) {
          await subscription.ack(resolved);
          continue;
        }
        yield {
          event: recorded,
          ack: () => translated(subscription.ack(resolved)),
          nack: (reason, action = 'retry') => translated(subscription.nack(action, reason, resolved)),
        };
      }
    } catch (error) {
      if (!closed) throw translateEsdbError(error, store);
    }
  }

  return {
    [Symbol.asyncIterator]: () => messages(),
    async close() {
      closed = true;
      await subscription.unsubscribe().catch(() => {});
    },
  };
}
