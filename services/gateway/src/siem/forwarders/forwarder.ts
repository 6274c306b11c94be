import {
  backoffDelay,
  backoffSchedule,
  type EventStore,
  type EventSubscription,
} from '@portcullis/eventstore';
import { formatPosition, type Position, type RecordedEvent } from '@portcullis/events';
import type { Logger } from 'pino';
import type { ForwarderConfig } from '../../config/siem-config.js';
import { EventFeed } from '../event-feed.js';
import type { ForwarderTransport, Outgoing } from './transport.js';

/** A forwarder's checkpoint, beside the projections' and `events tail`'s, under its own prefix. */
export const forwarderCheckpointId = (name: string): string => `portcullis:forwarder:${name}`;

/** How long a batch waits for more events that are already on their way. */
const LINGER_MS = 20;

export interface ForwarderStatus {
  readonly name: string;
  readonly type: ForwarderConfig['type'];
  readonly format: ForwarderConfig['format'];
  readonly peer: string;
  readonly state: 'live' | 'behind' | 'failing';
  readonly degraded: boolean;
  /** Events the peer accepted since start (events the format has nothing for count as passed, not forwarded). */
  readonly forwarded: number;
  readonly errors: number;
  /** Age of the oldest event not yet accepted; 0 when nothing waits. */
  readonly lagSeconds: number;
  readonly lastSuccessAt: string | undefined;
  readonly lastError: string | undefined;
  /** The checkpoint: the last position the peer accepted. */
  readonly position: string | undefined;
}

/**
 * Reads `$all` from its named checkpoint and delivers it in batches to one
 * peer, at least once: the checkpoint moves only after the peer accepted a
 * batch, so a restart resumes with no gap (and repeats at most the batch in
 * flight). Holds one batch at a time — the subscription is pulled, not
 * pushed — so when the peer is slow or down it lags behind the store and
 * never holds more memory nor slows a writer; a failed batch is sent again
 * after an exponential backoff, for as long as it takes.
 */
export class Forwarder {
  private subscription: EventSubscription | undefined;
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;
  private wake: () => void = () => {};
  private forwarded = 0;
  private errors = 0;
  private waitingSince: number | undefined;
  private failingSince: number | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: string | undefined;
  private position: Position | undefined;
  private readonly feed: EventFeed;
  private readonly checkpointId: string;

  constructor(
    readonly config: ForwarderConfig,
    private readonly store: EventStore,
    private readonly transport: ForwarderTransport,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.feed = new EventFeed(store, config.format);
    this.checkpointId = forwarderCheckpointId(config.name);
  }

  async start(): Promise<void> {
    let stored = await this.store.checkpoints.load(this.checkpointId);
    if (!stored && this.config.from === 'end') {
      // "The end" is fixed now, in the checkpoint: a restart before the first delivery must not skip to a later end.
      const [last] = await this.store.readAll({ direction: 'backwards', maxCount: 1 });
      if (last) await this.store.checkpoints.store(this.checkpointId, (stored = last.position));
    }
    this.position = stored ?? undefined;
    this.subscription = this.store.subscribeToAll({ from: stored ?? 'start' });
    this.log.info(
      {
        forwarder: this.config.name,
        peer: this.transport.description,
        from: stored ? formatPosition(stored) : this.config.from,
      },
      'forwarder started',
    );
    this.loop = this.run(this.subscription).catch((error: unknown) => {
      if (!this.stopped) this.log.error({ err: error, forwarder: this.config.name }, 'forwarder stopped');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.transport.close();
    await this.subscription?.close();
    await this.loop;
    await this.transport.close();
  }

  status(): ForwarderStatus {
    const now = this.now();
    const lagSeconds = this.waitingSince === undefined ? 0 : Math.max(0, (now - this.waitingSince) / 1000);
    const failingSeconds = this.failingSince === undefined ? 0 : (now - this.failingSince) / 1000;
    const limit = this.config.degradedAfterSeconds;
    return {
      name: this.config.name,
      type: this.config.type,
      format: this.config.format,
      peer: this.transport.description,
      state: this.failingSince !== undefined ? 'failing' : lagSeconds > limit ? 'behind' : 'live',
      degraded: lagSeconds > limit || failingSeconds > limit,
      forwarded: this.forwarded,
      errors: this.errors,
      lagSeconds,
      lastSuccessAt:
        this.lastSuccessAt === undefined ? undefined : new Date(this.lastSuccessAt).toISOString(),
      lastError: this.lastError,
      position: this.position ? formatPosition(this.position) : undefined,
    };
  }

  private async run(subscription: EventSubscription): Promise<void> {
    const events = subscription[Symbol.asyncIterator]();
    let next: Promise<IteratorResult<RecordedEvent>> | undefined;
    while (!this.stopped) {
      // A read the last batch left waiting (it lingered no longer) is this batch's first.
      const first = await (next ?? events.next());
      next = undefined;
      if (first.done || this.stopped) return;
      const batch = [first.value];
      // Take what is already on its way, up to batchSize, without waiting for the live tail.
      while (batch.length < this.config.batchSize) {
        next = events.next();
        const more = await Promise.race([next, linger()]);
        if (more === undefined) break;
        next = undefined;
        if (more.done) break;
        batch.push(more.value);
      }
      await this.deliver(batch);
    }
  }

  private async deliver(batch: readonly RecordedEvent[]): Promise<void> {
    this.waitingSince = Date.parse(batch[0]!.metadata.recordedAt);
    const outgoing: Outgoing[] = [];
    for (const event of batch) {
      const record = await this.feed.render(event);
      if (record) outgoing.push({ event, record });
    }
    const last = batch.at(-1)!.position;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.transport.deliver(outgoing);
        await this.store.checkpoints.store(this.checkpointId, last);
        this.position = last;
        this.forwarded += outgoing.length;
        this.lastSuccessAt = this.now();
        if (this.failingSince !== undefined) {
          this.log.info(
            { forwarder: this.config.name, peer: this.transport.description },
            'forwarder recovered',
          );
        }
        this.failingSince = undefined;
        this.lastError = undefined;
        this.waitingSince = undefined;
        return;
      } catch (error) {
        if (this.stopped) return;
        this.errors += 1;
        this.failingSince ??= this.now();
        this.lastError = (error as Error).message;
        const delayMs = backoffDelay(attempt, backoffSchedule(this.config.retry));
        // Logged at the first failure and then sparingly, not once per retry.
        if (attempt === 0 || attempt % 10 === 0) {
          this.log.warn(
            { forwarder: this.config.name, attempt: attempt + 1, delayMs, error: this.lastError },
            'forwarder delivery failed; retrying',
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}

function linger(): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), LINGER_MS).unref());
}
