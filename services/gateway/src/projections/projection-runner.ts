import { catalogUpcasters, comparePositions, type DomainEvent, type Position } from '@portcullis/events';
import {
  loadCheckpoint,
  resetCheckpoint,
  storeCheckpoint,
  type EventStore,
  type EventSubscription,
  type SqlDatabase,
} from '@portcullis/eventstore';
import type { Logger } from 'pino';
import type { Projection } from './projection.js';

export interface ProjectionStatus {
  name: string;
  state: 'starting' | 'catching_up' | 'live' | 'stalled' | 'stopped';
  position: string | null;
  eventsApplied: number;
  lastError: string | null;
}

const RETRY_MS = [100, 500, 2000, 5000];

/**
 * Runs one projection: a catch-up subscription from its stored checkpoint,
 * each event applied together with the new checkpoint in one transaction.
 * Restart-safe (it resumes where it committed) and rebuildable (truncate the
 * tables, forget the checkpoint, replay from the first event). A failing event
 * stalls the projection and is retried with backoff; it is never skipped.
 *
 * Several gateway instances may share one read-model database: each
 * transaction takes the projection's advisory lock and re-reads the
 * checkpoint, so an event another instance already applied is skipped, and
 * every event is applied exactly once whichever instance gets there first.
 */
export class ProjectionRunner {
  private subscription: EventSubscription<DomainEvent> | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private readonly status: ProjectionStatus;
  /** The last event this runner applied or saw applied (by any instance), and who waits to pass a position. */
  private reached: Position | null = null;
  private readonly waiters = new Set<{ position: Position; resolve: (reached: boolean) => void }>();

  constructor(
    private readonly projection: Projection,
    private readonly store: EventStore,
    private readonly db: SqlDatabase,
    private readonly log: Logger,
  ) {
    this.status = {
      name: projection.name,
      state: 'stopped',
      position: null,
      eventsApplied: 0,
      lastError: null,
    };
  }

  get name(): string {
    return this.projection.name;
  }

  snapshot(): ProjectionStatus {
    return { ...this.status };
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.status.state = 'starting';
    const from = await loadCheckpoint(this.db, this.projection.name);
    this.status.position = from ? `${from.commit}/${from.prepare}` : null;
    this.loop = this.run(from);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.loop;
    this.loop = undefined;
    this.status.state = 'stopped';
  }

  /** Drops the read model and replays every event into it. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.db.transaction(async (tx) => {
      for (const table of this.projection.tables) await tx.query(`TRUNCATE ${table}`);
      await resetCheckpoint(tx, this.projection.name);
    });
    this.status.eventsApplied = 0;
    await this.start();
  }

  /**
   * Follows the store until stopped. A store outage only stalls it: the
   * subscription retries by itself, and should it end with an error anyway,
   * it is started again from the last committed checkpoint.
   */
  private async run(from: Position | null): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      this.status.state = 'catching_up';
      try {
        await this.follow(from);
        return;
      } catch (error) {
        if (this.stopping) return;
        this.stall(`subscription failed: ${(error as Error).message}`);
        this.log.error({ projection: this.projection.name, err: error }, 'projection subscription failed');
        await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
        from = await loadCheckpoint(this.db, this.projection.name).catch(() => from);
      }
    }
  }

  private async follow(from: Position | null): Promise<void> {
    let caughtUp = false;
    this.subscription = this.store.subscribeToAll<DomainEvent>({
      from: from ?? 'start',
      filter: { eventTypes: this.projection.eventTypes },
      onCaughtUp: () => {
        caughtUp = true;
        if (this.status.state === 'catching_up') this.status.state = 'live';
      },
      onRetry: ({ error }) => this.stall(`store unavailable: ${error.message}`),
      onRecovered: () => {
        this.status.state = caughtUp ? 'live' : 'catching_up';
        this.status.lastError = null;
      },
    });
    for await (const event of this.subscription) {
      await this.applyWithRetry(event);
      if (this.stopping) break;
    }
  }

  /**
   * Resolves true once this projection has taken in the event at `position` (or a later one), so a
   * read of its tables sees it; false after `timeoutMs`. Only positions of events the projection
   * follows are ever passed exactly; a later one passes too.
   */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (this.reached && comparePositions(this.reached, position) >= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private passed(position: Position): void {
    this.reached = position;
    for (const waiter of [...this.waiters]) {
      if (comparePositions(position, waiter.position) >= 0) waiter.resolve(true);
    }
  }

  private stall(reason: string): void {
    this.status.state = 'stalled';
    this.status.lastError = reason;
  }

  private async applyWithRetry(event: Parameters<Projection['apply']>[1]): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.db.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
            `portcullis:projection:${this.projection.name}`,
          ]);
          const done = await loadCheckpoint(tx, this.projection.name);
          if (done && comparePositions(done, event.position) >= 0) return;
          await this.projection.apply(tx, catalogUpcasters.upcast(event));
          await storeCheckpoint(tx, this.projection.name, event.position);
        });
        this.status.eventsApplied += 1;
        this.status.position = `${event.position.commit}/${event.position.prepare}`;
        this.passed(event.position);
        if (this.status.state === 'stalled') this.status.state = 'live';
        this.status.lastError = null;
        return;
      } catch (error) {
        this.status.state = 'stalled';
        this.status.lastError = `event ${event.id} (${event.type} in ${event.streamName}): ${(error as Error).message}`;
        this.log.error(
          { projection: this.projection.name, eventId: event.id, err: error },
          'projection stalled',
        );
        await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
      }
    }
  }
}
