import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AuditBacklog } from '@portcullis/session';
import type { EventStore } from '@portcullis/eventstore';
import { AUDIT_BACKLOG, EVENT_STORE } from '../tokens.js';

/** A health check answers in bounded time even when the store hangs. */
const PING_TIMEOUT_MS = 2_000;

@Injectable()
export class EventStoreHealth {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AUDIT_BACKLOG) private readonly backlog: AuditBacklog | undefined,
    private readonly health: HealthIndicatorService,
  ) {}

  /**
   * Down when the store does not answer within PING_TIMEOUT_MS; degraded
   * while events wait in the backlog (the store was unavailable and the
   * gateway has not yet appended everything it held).
   */
  async check() {
    const indicator = this.health.check('eventStore');
    const held = this.backlog?.pending ?? 0;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          );
        }),
      ]);
      const details = { store: this.store.description, backlogEvents: held };
      return held > 0 ? indicator.degraded(details) : indicator.up(details);
    } catch (error) {
      return indicator.down({
        store: this.store.description,
        message: (error as Error).message,
        backlogEvents: held,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
