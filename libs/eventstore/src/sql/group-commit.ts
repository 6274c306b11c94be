import { WrongExpectedRevisionError } from '../errors.js';
import type { AppendResult } from '../port.js';
import { appendBatch, type AppendRequest } from './append-batch.js';
import type { SqlExecutor } from './sql-database.js';
import { StreamHeads } from './stream-heads.js';

interface Pending {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
  /** How many times this append found its stream head moved under it. */
  staleTries: number;
}

export interface GroupCommitOptions {
  /** Upper bound of events written in one transaction. */
  maxBatchEvents: number;
  /** Transactions in flight at once; while they run, new appends queue up. */
  maxConcurrentTransactions: number;
  /** Maps a database failure to the error callers see. */
  translateError: (error: unknown) => Error;
}

export interface GroupCommitStats {
  transactions: number;
  appends: number;
  /** Appends retried because another writer had moved the stream's head. */
  staleRetries: number;
  /**
   * Transactions that needed portcullis_append's verdicts (a head unknown or
   * moved, an event id stored already, an expectation that fails) instead of
   * the chained fast path.
   */
  verdictTransactions: number;
}

/** SQLSTATEs after which the whole batch is simply retried. */
const RETRYABLE = new Set(['40P01', '40001', '23505']); // deadlock, serialization, unique (racing retry)
const MAX_ATTEMPTS = 3;
/** Writers racing with `any` on one stream: give up after this many moved heads. */
const MAX_STALE_TRIES = 8;

/**
 * Group commit: appends that arrive while a transaction is in flight wait and
 * are written together in the next one, so concurrent sessions pay one round
 * trip and one commit (one WAL flush) per batch instead of one per append.
 * A single idle writer is not delayed: its append starts a transaction at once.
 * No timer: when a flush ends, the next starts after one turn of the event
 * loop, so the callers it resolved can queue their next appends and join it
 * (16 writers each waiting for their last append fill one batch of 16, where
 * starting at once split them into two alternating halves).
 * A batch holds at most one append per stream, because each append's hash
 * chain is built on its stream's head before the round trip.
 */
export class GroupCommitter {
  private readonly queue: Pending[] = [];
  private readonly heads = new StreamHeads();
  private running = 0;
  /** A flush has just ended and the next one starts after this turn of the event loop. */
  private drainScheduled = false;
  private idle: (() => void)[] = [];
  readonly stats: GroupCommitStats = { transactions: 0, appends: 0, staleRetries: 0, verdictTransactions: 0 };

  constructor(
    private readonly db: SqlExecutor,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(request: AppendRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject, staleTries: 0 });
      if (!this.drainScheduled) this.drain();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async settled(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private drain(): void {
    while (this.running < this.options.maxConcurrentTransactions && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.running += 1;
      void this.commit(batch).finally(() => {
        this.running -= 1;
        // Not a timer: one turn of the event loop, so that the callers this
        // flush just resolved, and whatever I/O has arrived, can queue their
        // next appends before the next flush takes everything queued.
        this.drainScheduled = true;
        setImmediate(() => {
          this.drainScheduled = false;
          this.drain();
          if (this.running === 0 && this.queue.length === 0) this.idle.splice(0).forEach((f) => f());
        });
      });
    }
  }

  /** Takes queued appends in order, one per stream, up to the event bound. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.queue.length;) {
      const pending = this.queue[i]!;
      const size = pending.request.events.length;
      if (batch.length > 0 && events + size > this.options.maxBatchEvents) break;
      if (streams.has(pending.request.streamName)) {
        i += 1; // a later append to the same stream waits for the next batch
        continue;
      }
      streams.add(pending.request.streamName);
      events += size;
      batch.push(pending);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { outcomes, path } = await appendBatch(
          this.db,
          batch.map((p) => p.request),
          this.heads,
        );
        this.stats.transactions += 1;
        if (path === 'verdicts') this.stats.verdictTransactions += 1;
        this.stats.appends += batch.length;
        const retry: Pending[] = [];
        outcomes.forEach((outcome, i) => {
          const pending = batch[i]!;
          if ('stale' in outcome) {
            pending.staleTries += 1;
            this.stats.staleRetries += 1;
            if (pending.staleTries < MAX_STALE_TRIES) retry.push(pending);
            else
              pending.reject(
                new WrongExpectedRevisionError(pending.request.streamName, pending.request.expected, -1),
              );
          } else if (outcome.ok) pending.resolve(outcome.result);
          else pending.reject(outcome.error);
        });
        // Retried appends go first: they were queued before anything waiting now.
        this.queue.unshift(...retry);
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt < MAX_ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue;
        const translated = this.options.translateError(error);
        for (const pending of batch) pending.reject(translated);
        return;
      }
    }
  }
}
