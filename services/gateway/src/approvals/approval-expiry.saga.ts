import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Saga, type ICommand, type IEvent } from '@nestjs/cqrs';
import { asApprovalEvent, foldApproval } from '@portcullis/session';
import {
  StreamCategory,
  streamIdOf,
  type ApprovalRequestedData,
  type ApprovalEvent,
  type Recorded,
} from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { filter, map, merge, mergeMap, ReplaySubject, take, takeUntil, timer, type Observable } from 'rxjs';
import { StoredEvent } from '../events/store-event-bridge.js';
import { EVENT_STORE, LOGGER } from '../tokens.js';
import { ExpireApprovalCommand } from './commands/approval-commands.js';

/** setTimeout's limit: a longer wait fires at once, so it is capped (the handler re-checks the time). */
const MAX_DELAY_MS = 2 ** 31 - 1;
const ENDING_TYPES = new Set(['ApprovalGranted', 'ApprovalDenied', 'ApprovalExpired', 'ApprovalCancelled']);

/**
 * Expires approvals nobody decided in time. Live ApprovalRequested events
 * start a timer; at start-up the timers of every approval still pending are
 * rebuilt from the store, so a restart never forgets an expiry. It cannot
 * fire twice either: ExpireApproval appends with the approval stream's exact
 * revision and appends nothing once the approval has ended (whoever got
 * there first: this saga on any instance, or the proxy that was waiting).
 */
@Injectable()
export class ApprovalExpirySaga implements OnApplicationBootstrap {
  // Replayed: the saga may subscribe after the timers were rebuilt.
  private readonly rebuilt = new ReplaySubject<ApprovalRequestedData>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Saga()
  expireApprovals = (events$: Observable<IEvent>): Observable<ICommand> => {
    const recorded$ = events$.pipe(
      filter((e): e is StoredEvent => e instanceof StoredEvent),
      map((e) => e.recorded),
    );
    const requested$ = recorded$.pipe(mergeMap((e) => (e.type === 'ApprovalRequested' ? [e.data] : [])));
    const ended$ = (approvalId: string) =>
      recorded$.pipe(filter((e) => ENDING_TYPES.has(e.type) && streamIdOf(e.streamName) === approvalId));
    const scheduled = new Set<string>();
    return merge(requested$, this.rebuilt).pipe(
      filter((request) => !scheduled.has(request.approvalId) && Boolean(scheduled.add(request.approvalId))),
      mergeMap((request) => {
        const delay = Math.min(MAX_DELAY_MS, Math.max(0, Date.parse(request.expiresAt) - Date.now()));
        return timer(delay).pipe(
          takeUntil(ended$(request.approvalId)),
          take(1),
          map(() => {
            scheduled.delete(request.approvalId);
            return new ExpireApprovalCommand(request.approvalId);
          }),
        );
      }),
    );
  };

  /** Rebuilds the timers of approvals still pending, from the events. */
  async onApplicationBootstrap(): Promise<void> {
    const events = await this.store.readAll<ApprovalEvent>({
      filter: { streamPrefixes: [`${StreamCategory.Approval}-`] },
    });
    const byStream = new Map<string, Recorded<ApprovalEvent>[]>();
    for (const event of events)
      byStream.set(event.streamName, [...(byStream.get(event.streamName) ?? []), event]);
    let pending = 0;
    for (const stream of byStream.values()) {
      const state = foldApproval(stream.map(asApprovalEvent));
      if (state?.status !== 'pending') continue;
      pending++;
      this.rebuilt.next(state.request);
    }
    if (pending > 0) this.log.info({ pending }, 'approval expiry timers rebuilt from events');
  }
}
