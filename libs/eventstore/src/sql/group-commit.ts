import type { AppendResult } from '../port.js';
import { appendBatch, type AppendRequest } from './append-batch.js';
import type { SqlDatabase } from './sql-database.js';

interface Pending {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
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
}

/** SQLSTATEs after which the whole batch is simply retried. */
const RETRYABLE = new Set(['40P01', '40001', '23505']); // deadlock, serialization, unique (racing retry)
const MAX_ATTEMPTS = 3;

/**
 * Group commit: appends that arrive while a transaction is in flight wait and
 * are written together in the next one, so concurrent sessions pay one commit
 * (one WAL flush) per batch instead of one per append. A single idle writer
 * is not delayed: its append starts a transaction at once.
 */
export class GroupCommitter {
  private readonly queue: Pending[] = [];
  private running = 0;
  private idle: (() => void)[] = [];
  readonly stats: GroupCommitStats = { transactions: 0, appends: 0 };

  constructor(
    private readonly db: SqlDatabase,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(request: AppendRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.drain();
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
        this.drain();
        if (this.running === 0 && this.queue.length === 0) this.idle.splice(0).forEach((f) => f());
      });
    }
  }

  private takeBatch(): Pending[] {
    let events = 0;
    let count = 0;
    for (const pending of this.queue) {
      if (count > 0 && events + pending.request.events.length > this.options.maxBatchEvents) break;
      events += pending.request.events.length;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async commit(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // One statement: one implicit transaction, one commit for the whole batch.
        const outcomes = await appendBatch(
          this.db,
          batch.map((p) => p.request),
        );
        this.stats.transactions += 1;
        this.stats.appends += batch.length;
        outcomes.forEach((outcome, i) => {
          if (outcome.ok) batch[i]!.resolve(outcome.result);
          else batch[i]!.reject(outcome.error);
        });
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
