import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { EventStore } from '@portcullis/eventstore';
import { EVENT_STORE } from '../tokens.js';

@Injectable()
export class EventStoreHealth {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly health: HealthIndicatorService,
  ) {}

  async check() {
    const indicator = this.health.check('eventStore');
    try {
      await this.store.ping();
      return indicator.up({ store: this.store.description });
    } catch (error) {
      return indicator.down({ store: this.store.description, message: (error as Error).message });
    }
  }
}
