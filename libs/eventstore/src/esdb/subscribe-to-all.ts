import {
  START,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { comparePositions, type Position, type RecordedEvent } from '@portcullis/events';
import { StoreUnavailableError } from '../errors.js';
import type { EventSubscription, SubscribeOptions } from '../port.js';
import { backoffDelay, type BackoffSchedule } from '../backoff.js';
import { isDomainEvent, matchesFilter, toEsdbFilter } from './event-filter.js';
import { EventQueue } from './event-queue.js';
import { fromEsdbPosition, toEsdbPosition } from './position.js';
import { readHeadPosition } from './read-head.js';
import { fromEsdbEvent, isPortcullisStored } from './stored-event.js';
import { isTransientEsdbError, translateEsdbError } from './translate-error.js';

export type AllSubscriber = Pick<EventStoreDBClient, 'subscribeToAll' | 'readAll'>;

export interface ReconnectInfo {
  /** 1 for the first reconnect after a drop, counting up while attempts keep failing. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: StoreUnavailableError;
}

export interface SubscriptionSettings {
  readonly store: string;
  readonly backoff: BackoffSchedule;
  /** Events buffered for a slow consumer before the ESDB stream is paused. Default 1024. */
  readonly highWaterMark?: number;
  /** Told before every reconnect, for logs and metrics. */
  readonly onReconnect?: (info: ReconnectInfo) => void;
  /** Jitter source, injectable for tests. */
  readonly random?: () => number;
}

/**
 * A catch-up subscription to `$all` that outlives connection losses.
 *
 * ESDB's own subscription dies with its gRPC stream. This one keeps the
 * position of the last record it received (delivered or filtered out) and,
 * when the stream errors or ends, waits (exponential backoff with jitter,
 * capped) and subscribes again from that position. ESDB subscriptions start
 * strictly after the given position, and we also drop anything at or before
 * it, so a reconnect neither repeats nor skips an event.
 *
 * Caught up: servers from 23.10 send a caught-up signal; for older ones we
 * read the head of `$all` before subscribing and treat reaching it (by an
 * event or a filter checkpoint) as caught up. Either way `onCaughtUp` runs
 * once every historical event has been handed to the consumer's queue — the
 * client may still hold a few in its stream buffer when the signal arrives,
 * so we count those through first.
 */
export class EsdbAllSubscription implements EventSubscription {
  private readonly queue: EventQueue<RecordedEvent>;
  private current: AllStreamSubscription | undefined;
  /** Exclusive resume point; undefined until `end` has been resolved to a position. */
  private resumeAfter: Position | 'start' | undefined;
  /** The head of `$all` when we started; undefined until read. */
  private headAtStart: Position | null | undefined;
  private caughtUp = false;
  /** Events still in the client's buffer when the caught-up signal came; -1 when not counting. */
  private bufferedBeforeCaughtUp = -1;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly client: AllSubscriber,
    private readonly options: SubscribeOptions,
    private readonly settings: SubscriptionSettings,
    private readonly onClosed: () => void = () => {},
  ) {
    this.queue = new EventQueue<RecordedEvent>(
      settings.highWaterMark ?? 1024,
      () => this.current?.resume(),
      () => void this.close(),
    );
    const from = options.from ?? 'start';
    this.resumeAfter = from === 'end' ? undefined : from;
    void this.connect();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.queue;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.shutDown();
    this.queue.end(true);
  }

  private async connect(): Promise<void> {
    try {
      if (this.headAtStart === undefined) await this.readStartingPoint();
      if (this.closed) return;
      this.subscribe();
    } catch (error) {
      this.dropped(undefined, error);
    }
  }

  private async readStartingPoint(): Promise<void> {
    const head = await readHeadPosition(this.client);
    this.headAtStart = head;
    this.resumeAfter ??= head ?? 'start';
    const after = this.resumeAfter;
    if (head === null || (after !== 'start' && comparePositions(after, head) >= 0)) this.markCaughtUp();
  }

  private subscribe(): void {
    const after = this.resumeAfter ?? 'start';
    const subscription: AllStreamSubscription = this.client.subscribeToAll({
      fromPosition: after === 'start' ? START : toEsdbPosition(after),
      resolveLinkTos: false,
      filter: toEsdbFilter(this.options.filter, (_subscription, position) =>
        this.onCheckpoint(subscription, fromEsdbPosition(position)),
      ),
    });
    this.current = subscription;
    if (!this.queue.wantsMore) subscription.pause();
    subscription.on('data', (resolved: AllStreamResolvedEvent) => this.onEvent(subscription, resolved));
    subscription.on('confirmation', () => {
      if (subscription !== this.current) return;
      if (this.failures > 0) this.options.onRecovered?.();
      this.failures = 0;
    });
    subscription.on('caughtUp', () => this.onServerCaughtUp(subscription));
    subscription.on('error', (error: Error) => this.dropped(subscription, error));
    subscription.on('end', () =>
      this.dropped(subscription, new Error('EventStoreDB ended the subscription')),
    );
  }

  private onEvent(subscription: AllStreamSubscription, resolved: AllStreamResolvedEvent): void {
    if (subscription !== this.current) return;
    try {
      const event = resolved.event;
      if (event) {
        const position = fromEsdbPosition(event.position);
        const after = this.resumeAfter ?? 'start';
        if (after === 'start' || comparePositions(position, after) > 0) {
          this.resumeAfter = position;
          this.failures = 0;
          if (isDomainEvent(event.streamId, event.type) && isPortcullisStored(event)) {
            const recorded = fromEsdbEvent(event);
            if (matchesFilter(recorded, this.options.filter) && !this.queue.push(recorded))
              subscription.pause();
          }
          if (this.headAtStart && comparePositions(position, this.headAtStart) >= 0) this.markCaughtUp();
        }
      }
      if (this.bufferedBeforeCaughtUp > 0) {
        this.bufferedBeforeCaughtUp -= 1;
        if (this.bufferedBeforeCaughtUp === 0) this.markCaughtUp();
      }
    } catch (error) {
      this.fail(translateEsdbError(error, this.settings.store));
    }
  }

  private onServerCaughtUp(subscription: AllStreamSubscription): void {
    if (subscription !== this.current || this.caughtUp || this.bufferedBeforeCaughtUp > 0) return;
    const buffered = subscription.readableLength;
    if (buffered === 0) this.markCaughtUp();
    else this.bufferedBeforeCaughtUp = buffered;
  }

  /** Filter checkpoints arrive in order with the events, so past the starting head is caught up. */
  private onCheckpoint(subscription: AllStreamSubscription, position: Position): void {
    if (this.headAtStart && comparePositions(position, this.headAtStart) >= 0)
      this.onServerCaughtUp(subscription);
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.bufferedBeforeCaughtUp = -1;
    try {
      this.options.onCaughtUp?.();
    } catch (error) {
      this.fail(error);
    }
  }

  private dropped(subscription: AllStreamSubscription | undefined, error: unknown): void {
    if (this.closed || (subscription !== undefined && subscription !== this.current)) return;
    if (subscription !== undefined) {
      this.current = undefined;
      release(subscription);
    }
    // A restarted subscription sends its own caught-up signal; a half-counted one is void.
    if (this.bufferedBeforeCaughtUp > 0) this.bufferedBeforeCaughtUp = -1;
    if (!isTransientEsdbError(error)) {
      this.fail(translateEsdbError(error, this.settings.store));
      return;
    }
    this.failures += 1;
    const unavailable = new StoreUnavailableError(this.settings.store, error);
    if (this.failures > this.settings.backoff.maxAttempts) {
      this.fail(unavailable);
      return;
    }
    const delayMs = backoffDelay(this.failures - 1, this.settings.backoff, this.settings.random);
    this.settings.onReconnect?.({ attempt: this.failures, delayMs, error: unavailable });
    this.options.onRetry?.({ attempt: this.failures, delayMs, error: unavailable });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delayMs);
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.shutDown();
    this.queue.fail(error);
  }

  private shutDown(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current) release(this.current);
    this.current = undefined;
    this.onClosed();
  }
}

/** Detach and cancel a subscription we no longer read; late errors from it are expected and ignored. */
function release(subscription: AllStreamSubscription): void {
  subscription.removeAllListeners();
  subscription.on('error', () => {});
  subscription.unsubscribe().catch(() => {});
}
