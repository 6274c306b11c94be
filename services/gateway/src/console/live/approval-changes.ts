import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { StreamCategory, categoryOf, streamIdOf } from '@portcullis/events';
import type { Logger } from 'pino';
import { concatMap, filter, Subject, type Observable, type Subscription } from 'rxjs';
import { StoredEvent } from '../../events/store-event-bridge.js';
import { ProjectionsService } from '../../projections/projections.service.js';
import { LOGGER } from '../../tokens.js';

/** An approval changed (requested, granted, denied, expired, cancelled, refused an attempt). */
export interface ApprovalChange {
  readonly approvalId: string;
  readonly type: string;
}

/** How long a change waits for the approvals read model before it is sent anyway. */
const READ_MODEL_WAIT_MS = 5_000;

/**
 * Approval changes for the console's live inbox, fed by the store
 * subscription (the same one every saga sees, so a request paused on any
 * instance shows). Each change is let through once the approvals read model
 * has taken in its event, so a page that reads the read model on it sees
 * the new state and never the one before.
 */
@Injectable()
export class ApprovalChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly changes = new Subject<ApprovalChange>();
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly projections: ProjectionsService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  get changes$(): Observable<ApprovalChange> {
    return this.changes.asObservable();
  }

  onApplicationBootstrap(): void {
    this.subscription = this.bus
      .pipe(
        filter((e): e is StoredEvent => e instanceof StoredEvent),
        filter((e) => categoryOf(e.recorded.streamName) === StreamCategory.Approval),
        // In order: a grant is never sent before the request it grants.
        concatMap(async ({ recorded }) => {
          const caughtUp = await this.projections.waitFor('approvals', recorded.position, READ_MODEL_WAIT_MS);
          if (!caughtUp) this.log.warn({ eventId: recorded.id }, 'console: approvals read model is behind');
          return { approvalId: streamIdOf(recorded.streamName), type: recorded.type };
        }),
      )
      .subscribe((change) => this.changes.next(change));
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    this.changes.complete();
  }
}
