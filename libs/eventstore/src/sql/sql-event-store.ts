import {
  encodeForChain,
  ValidationError,
  isPortcullisError,
  type AnyEvent,
  type ChainEncoding,
  type NewEvent,
  type Recorded,
} from '@portcullis/events';
import { typed, typedSubscription } from '../typed-reads.js';
import { StoreUnavailableError } from '../errors.js';
import type {
  AppendResult,
  CheckpointStore,
  EventStore,
  EventSubscription,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  SubscribeOptions,
} from '../port.js';
import { GroupCommitter, type GroupCommitStats } from './group-commit.js';
import { readAll } from './read-all.js';
import { readStream } from './read-stream.js';
import { loadCheckpoint, resetCheckpoint, storeCheckpoint } from './checkpoints.js';
import { pollingSubscription } from './subscription.js';
import { Wakeup } from './wakeup.js';
import type { SqlDatabase } from './sql-database.js';

export interface SqlEventStoreOptions {
  /** Upper bound of events per group-commit transaction. Default 2000. */
  maxBatchEvents?: number;
  /** Default: what the database says it can run usefully at once. */
  maxConcurrentTransactions?: number;
  /** Live subscriptions re-read at least this often without a notification. Default 250 ms. */
  pollIntervalMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The event store on SQL: PGlite (embedded) and PostgreSQL share every
 * statement; they differ only in the `SqlDatabase` underneath.
 */
export class SqlEventStore implements EventStore {
  readonly description: string;
  readonly checkpoints: CheckpointStore;
  private readonly committer: GroupCommitter;
  private readonly wakeup = new Wakeup();
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly pollIntervalMs: number;
  private unlisten: (() => Promise<void>) | undefined;
  private closed = false;

  private constructor(
    readonly db: SqlDatabase,
    options: SqlEventStoreOptions,
  ) {
    this.description = db.description;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.committer = new GroupCommitter(db, {
      maxBatchEvents: options.maxBatchEvents ?? 2000,
      maxConcurrentTransactions: options.maxConcurrentTransactions ?? db.maxConcurrentTransactions,
      translateError: (error) => this.translate(error),
    });
    this.checkpoints = {
      load: (id) => this.guard(() => loadCheckpoint(db, id)),
      store: (id, position) => this.guard(() => storeCheckpoint(db, id, position)),
      reset: (id) => this.guard(() => resetCheckpoint(db, id)),
    };
  }

  /** Opens the store on a migrated database and starts listening for commits. */
  static async open(db: SqlDatabase, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
    const store = new SqlEventStore(db, options);
    store.unlisten = await db.listen('portcullis_events', () => store.wakeup.notify());
    return store;
  }

  /** How many transactions group commit has used for how many appends. */
  get groupCommitStats(): Readonly<GroupCommitStats> {
    return this.committer.stats;
  }

  async append(
    streamName: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const encoded = assertAppendable(streamName, events, expected);
    if (this.closed) throw new StoreUnavailableError(this.description, new Error('the store is closed'));
    const result = await this.committer.submit({ streamName, events, expected, encoded });
    this.wakeup.notify(); // local subscribers need not wait for the NOTIFY round trip
    return result;
  }

  async readStream<E extends AnyEvent = AnyEvent>(
    streamName: string,
    options?: ReadStreamOptions,
  ): Promise<Recorded<E>[]> {
    return typed<E>(await this.guard(() => readStream(this.db, streamName, options)));
  }

  async readAll<E extends AnyEvent = AnyEvent>(options?: ReadAllOptions): Promise<Recorded<E>[]> {
    return typed<E>(await this.guard(() => readAll(this.db, options)));
  }

  subscribeToAll<E extends AnyEvent = AnyEvent>(options?: SubscribeOptions): EventSubscription<E> {
    const source = {
      readAll: (o: ReadAllOptions) => this.guard(() => readAll(this.db, o)),
      wakeup: this.wakeup,
      pollIntervalMs: this.pollIntervalMs,
    };
    const subscription = pollingSubscription(source, options);
    this.subscriptions.add(subscription);
    return typedSubscription<E>({
      [Symbol.asyncIterator]: () => subscription[Symbol.asyncIterator](),
      close: async () => {
        this.subscriptions.delete(subscription);
        await subscription.close();
      },
    });
  }

  async ping(): Promise<void> {
    await this.guard(() => this.db.query('SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.committer.settled();
    await this.unlisten?.();
    await this.db.close();
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): Error {
    if (isPortcullisError(error)) return error;
    return new StoreUnavailableError(this.description, error);
  }
}

/**
 * Checks an append and encodes its events for the hash chain (once: the
 * canonical texts are hashed and spliced into the batch as they are). Any
 * problem refuses this append alone, before it can fail a whole batch.
 */
function assertAppendable(
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): ChainEncoding[] {
  const problems: { path: string; message: string }[] = [];
  if (!streamName || streamName.length > 512)
    problems.push({ path: 'streamName', message: 'must be 1-512 characters' });
  if (events.length === 0) problems.push({ path: 'events', message: 'must not be empty' });
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    problems.push({ path: 'expected', message: 'must be any, no_stream, stream_exists or a revision >= 0' });
  }
  const ids = new Set<string>();
  const encoded: ChainEncoding[] = [];
  events.forEach((event, i) => {
    if (!UUID.test(event.id)) problems.push({ path: `events/${i}/id`, message: 'must be a uuid' });
    if (ids.has(event.id)) problems.push({ path: `events/${i}/id`, message: 'is repeated in this append' });
    ids.add(event.id);
    try {
      const encoding = encodeForChain({ ...event, streamName });
      // PostgreSQL jsonb cannot hold U+0000.
      if (encoding.data.includes('\\u0000')) {
        problems.push({ path: `events/${i}/data`, message: 'must not contain U+0000' });
      }
      encoded.push(encoding);
    } catch (error) {
      problems.push({
        path: `events/${i}`,
        message: `has no canonical JSON form: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });
  if (problems.length) throw new ValidationError(`cannot append to ${streamName}`, problems);
  return encoded;
}
