import type { AnyEvent, NewEvent, Position, Recorded } from '@portcullis/events';

/**
 * The event store port. Every adapter (pglite, postgres, esdb) implements it
 * with the same semantics, proven by one contract test suite
 * (`contract/event-store-contract.ts`).
 */
export interface EventStore {
  /** A short description for logs and errors, e.g. `postgres 127.0.0.1:5432/portcullis`. */
  readonly description: string;

  /**
   * Appends events to one stream atomically. The store assigns revisions and
   * fills in `metadata.prevHash`, so every stream is a hash chain.
   * Appending events whose ids are already in the stream (a retry) is a no-op
   * that returns the original result. Concurrent appends are group-committed.
   * @throws WrongExpectedRevisionError when `expected` does not hold.
   */
  append(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;

  /**
   * Reads one stream in revision order (or reverse). Empty when it does not
   * exist. Typed reads: the caller names the events it expects, e.g.
   * `readStream<SessionEvent>(sessionStream(id))`, and narrows on `type`
   * (the catalog's unions; the store checks nothing about them).
   */
  readStream<E extends AnyEvent = AnyEvent>(
    streamName: string,
    options?: ReadStreamOptions,
  ): Promise<Recorded<E>[]>;

  /**
   * Reads the global order of all events. Never returns an event before an
   * event that can still appear earlier (see the postgres adapter's notes).
   */
  readAll<E extends AnyEvent = AnyEvent>(options?: ReadAllOptions): Promise<Recorded<E>[]>;

  /** Catch-up subscription to `$all`: historical events first, then live ones. */
  subscribeToAll<E extends AnyEvent = AnyEvent>(options?: SubscribeOptions): EventSubscription<E>;

  /** Named subscriber checkpoints (the last position a subscriber processed). */
  readonly checkpoints: CheckpointStore;

  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/**
 * - `any`: no check.
 * - `no_stream`: the stream must not exist yet.
 * - `stream_exists`: the stream must have at least one event.
 * - a number: the revision of the stream's last event must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /** The revision of the last event now in the stream: pass it as `expected` next time. */
  readonly nextExpectedRevision: number;
  readonly position: Position;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive. Forwards defaults to 0, backwards to the last event. */
  fromRevision?: number;
  maxCount?: number;
}

export interface EventFilter {
  /** Stream name prefixes, e.g. `['session-']`. */
  streamPrefixes?: readonly string[];
  eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  direction?: Direction;
  /** Exclusive: events strictly after (forwards) or before (backwards) this position. Default: the start / the end. */
  from?: Position;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive. `start` (default) replays everything; `end` only new events. */
  from?: Position | 'start' | 'end';
  filter?: EventFilter;
  /** Called once, when the historical part has been delivered. */
  onCaughtUp?: () => void;
  /**
   * Called when the store cannot be read and the subscription waits before
   * trying again (with backoff, from the last event it delivered: nothing
   * skipped, nothing repeated). Subscriptions outlive store outages; this
   * is how their owners tell `/health`.
   */
  onRetry?: (retry: { attempt: number; delayMs: number; error: Error }) => void;
  /** Called when the store answers again after `onRetry`. */
  onRecovered?: () => void;
}

/** An async iterable of events that ends when `close()` is called. */
export interface EventSubscription<E extends AnyEvent = AnyEvent> extends AsyncIterable<Recorded<E>> {
  close(): Promise<void>;
}

export interface CheckpointStore {
  load(subscriberId: string): Promise<Position | null>;
  store(subscriberId: string, position: Position): Promise<void>;
  reset(subscriberId: string): Promise<void>;
}
