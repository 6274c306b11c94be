import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventBus, type IEvent, type IEventPublisher } from '@nestjs/cqrs';
import {
  catalogUpcasters,
  ErrorCode,
  PortcullisError,
  type DomainEvent,
  type Recorded,
} from '@portcullis/events';
import type { EventStore, EventSubscription } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { EVENT_STORE, LOGGER } from '../tokens.js';
import { GatewayMetrics } from '../metrics/metrics.js';

/** What sagas and event handlers receive: an event as the store recorded it. */
export class StoredEvent implements IEvent {
  constructor(readonly recorded: Recorded<DomainEvent>) {}
}

/**
 * Wires the CQRS EventBus to the store. Events reach the bus only from the
 * store's live subscription, after they are durable: nothing lives only in
 * memory, and a saga sees an event whichever gateway instance appended it.
 * Publishing straight onto the bus is refused: append to the store instead.
 */
@Injectable()
export class StoreEventBridge implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription: EventSubscription<DomainEvent> | undefined;
  private pump: Promise<void> | undefined;

  constructor(
    private readonly bus: EventBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    const refuse: IEventPublisher = {
      publish: () => {
        throw new PortcullisError(
          ErrorCode.Internal,
          'events are published by appending them to the event store, not onto the in-memory bus',
        );
      },
    };
    this.bus.publisher = refuse;
  }

  onApplicationBootstrap(): void {
    this.subscription = this.store.subscribeToAll<DomainEvent>({ from: 'end' });
    const subscription = this.subscription;
    this.pump = (async () => {
      try {
        for await (const event of subscription) {
          this.metrics.eventsObserved.inc({ type: event.type });
          this.bus.subject$.next(new StoredEvent(catalogUpcasters.upcast(event)));
        }
      } catch (error) {
        this.log.error({ err: error }, 'store subscription for the event bus failed');
      }
    })();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    await this.pump;
  }
}
