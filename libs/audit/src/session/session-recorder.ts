import {
  sessionStream,
  toNewEvent,
  type CommandBlockedData,
  type CommandCompletedData,
  type CommandDecidedData,
  type CommandReceivedData,
  type EventContext,
  type NewEvent,
  type OutputRecordedData,
  type ResultMaskedData,
  type SessionClosedData,
  type SessionEvent,
  type SessionOpenedData,
  type SessionRejectedData,
} from '@portcullis/events';
import type { AppendResult, EventStore } from '@portcullis/eventstore';
import type { AuditBuffer } from './audit-buffer.js';

/** Who writes: the identity subject (or `anonymous`) and the gateway instance. */
export type RecorderContext = Omit<EventContext, 'correlationId' | 'causationId'>;

/**
 * `strict` (default): CommandReceived+CommandDecided are durable before
 * `decide` resolves. `async`: `decide` resolves at once while the buffer has
 * room, and the pair is appended with the next batch (within FLUSH_AFTER_MS);
 * a full buffer refuses the command. Faster, and a crash can lose the last
 * FLUSH_AFTER_MS of commands: an operator's explicit choice.
 */
export type AuditMode =
  { readonly kind: 'strict' } | { readonly kind: 'async'; readonly buffer: AuditBuffer };

/** What the proxy knows of a command when it receives it; the recorder adds session id and sequence. */
export type ReceivedCommand = Omit<CommandReceivedData, 'sessionId' | 'sequence'>;
export type CommandDecision = Omit<CommandDecidedData, 'sessionId' | 'sequence'>;
export type CommandBlock = Omit<CommandBlockedData, 'sessionId' | 'sequence'>;
export type CommandCompletion = Omit<CommandCompletedData, 'sessionId' | 'sequence'>;
export type SessionClosing = Omit<SessionClosedData, 'sessionId'>;
/** A batch of terminal output (asciicast frames) of one channel; the recorder adds the session id. */
export type RecordedOutput = Omit<OutputRecordedData, 'sessionId'>;
/** Which columns of a command's results were masked, by which rule or detector, how many values (never the values). */
export type MaskedColumns = ResultMaskedData['columns'];

/**
 * The one writer of a `session-<id>` stream (DESIGN.md "One writer per
 * session stream"). It keeps the stream revision in memory and appends with
 * that exact revision, so a second writer (a bug, or a session id reused)
 * fails with WrongExpectedRevisionError instead of interleaving.
 *
 * Appends are chained: each starts after the previous one settled, so the
 * stream order is the call order. A failed append does not poison the chain
 * (the revision only advances on success); the caller of that append sees the
 * error and decides (the proxy refuses the statement).
 *
 * Only the write-ahead pair must be durable before a command runs. The
 * after-the-fact events (blocked, forwarded, completed, masked) are carried in
 * the next write-ahead append, or flushed within FLUSH_AFTER_MS, or at close:
 * one commit per command instead of three. If the append carrying them fails,
 * they go back to the queue and are retried with the next one (nothing lost
 * while the process lives).
 */
/** The longest an after-the-fact event waits for a write-ahead append to ride along with. */
export const FLUSH_AFTER_MS = 50;

interface Deferred {
  events: SessionEvent[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class SessionRecorder {
  private deferred: Deferred = { events: [], waiters: [] };
  private flushTimer: NodeJS.Timeout | undefined;
  private revision: number;
  private chain: Promise<unknown> = Promise.resolve();
  private nextSequence = 1;
  private lastEventId: string | null;

  private constructor(
    private readonly store: EventStore,
    readonly sessionId: string,
    private readonly context: RecorderContext,
    opened: AppendResult,
    openedEventId: string,
    private readonly mode: AuditMode,
  ) {
    this.revision = opened.nextExpectedRevision;
    this.lastEventId = openedEventId;
  }

  /** Appends SessionOpened to a new stream (`no_stream`): resolves once it is durable. */
  static async open(
    store: EventStore,
    opened: SessionOpenedData,
    context: RecorderContext,
    mode: AuditMode = { kind: 'strict' },
  ): Promise<SessionRecorder> {
    const event = eventOf({ type: 'SessionOpened', data: opened }, opened.sessionId, null, context);
    const result = await store.append(sessionStream(opened.sessionId), [event], 'no_stream');
    return new SessionRecorder(store, opened.sessionId, context, result, event.id, mode);
  }

  /** A session that never opened: one SessionRejected event, in a stream of its own. */
  static async reject(
    store: EventStore,
    rejected: SessionRejectedData,
    context: RecorderContext,
  ): Promise<void> {
    const event = eventOf({ type: 'SessionRejected', data: rejected }, rejected.sessionId, null, context);
    await store.append(sessionStream(rejected.sessionId), [event], 'no_stream');
  }

  /** Commands numbered so far (the next command gets `commands + 1`). */
  get commands(): number {
    return this.nextSequence - 1;
  }

  /**
   * Write-ahead: CommandReceived and CommandDecided in ONE append; resolves
   * with the command's sequence number only once both are durable. Nothing
   * of the command may reach the backend before this resolves; when it
   * rejects, the command must be refused. The sequence is taken even when the
   * append fails, so numbers stay unique within the session.
   */
  decide(received: ReceivedCommand, decided: CommandDecision): Promise<number> {
    const sequence = this.nextSequence++;
    const { sessionId } = this;
    const pair: SessionEvent[] = [
      { type: 'CommandReceived', data: { sessionId, sequence, ...received } },
      { type: 'CommandDecided', data: { sessionId, sequence, ...decided } },
    ];
    if (this.mode.kind === 'async') {
      const { buffer } = this.mode;
      try {
        buffer.reserve(pair.length);
      } catch (error) {
        return Promise.reject(error);
      }
      const release = () => buffer.release(pair.length);
      // Held (and retried) until durable; only a failed close gives up on them.
      void Promise.all(pair.map((event) => this.defer(event))).then(release, release);
      return Promise.resolve(sequence);
    }
    return this.appendCarrying(pair).then(() => sequence);
  }

  /**
   * Write-ahead, after a review: the decision taken once the approval
   * settled, as a second CommandDecided of the same sequence (the first said
   * `review`). Durable before the command may run, like `decide`.
   */
  decideAfterReview(sequence: number, decided: CommandDecision): Promise<void> {
    return this.appendCarrying([
      { type: 'CommandDecided', data: { sessionId: this.sessionId, sequence, ...decided } },
    ]);
  }

  /** Resolves once durable (it may wait up to FLUSH_AFTER_MS for company): never await it on the wire path. */
  blocked(sequence: number, block: CommandBlock): Promise<void> {
    return this.defer({ type: 'CommandBlocked', data: { sessionId: this.sessionId, sequence, ...block } });
  }

  forwarded(sequence: number): Promise<void> {
    return this.defer({ type: 'CommandForwarded', data: { sessionId: this.sessionId, sequence } });
  }

  completed(sequence: number, completion: CommandCompletion): Promise<void> {
    return this.defer({
      type: 'CommandCompleted',
      data: { sessionId: this.sessionId, sequence, ...completion },
    });
  }

  /** One ResultMasked per command whose results had values masked: names and counts only. */
  masked(sequence: number, columns: MaskedColumns): Promise<void> {
    return this.defer({ type: 'ResultMasked', data: { sessionId: this.sessionId, sequence, columns } });
  }

  /**
   * Terminal output: appended (with any deferred events) and durable when it
   * resolves. The SSH proxy batches frames itself and fails the channel
   * closed when this rejects.
   */
  output(output: RecordedOutput): Promise<void> {
    return this.appendCarrying([{ type: 'OutputRecorded', data: { sessionId: this.sessionId, ...output } }]);
  }

  close(closing: SessionClosing): Promise<void> {
    return this.appendCarrying([{ type: 'SessionClosed', data: { sessionId: this.sessionId, ...closing } }]);
  }

  /** Resolves when every event recorded so far has been appended (or failed). */
  async settled(): Promise<void> {
    if (this.deferred.events.length > 0) await this.appendCarrying([]).catch(() => undefined);
    await this.chain.catch(() => undefined);
  }

  private defer(event: SessionEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.deferred.events.push(event);
      this.deferred.waiters.push({ resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.deferred.events.length > 0) this.appendCarrying([]).catch(() => undefined);
    }, FLUSH_AFTER_MS);
    this.flushTimer.unref();
  }

  /** Appends the deferred events (in call order, first) together with `events`. */
  private appendCarrying(events: readonly SessionEvent[]): Promise<void> {
    const carried = this.deferred;
    this.deferred = { events: [], waiters: [] };
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const closing = events.some((e) => e.type === 'SessionClosed');
    const done = this.append([...carried.events, ...events]);
    done.then(
      () => carried.waiters.forEach((w) => w.resolve()),
      (error: unknown) => {
        if (closing) {
          // The session is over: nothing will carry them later. Their callers hear why.
          carried.waiters.forEach((w) => w.reject(error));
          return;
        }
        // Back to the front of the queue: they happened before anything deferred since.
        this.deferred.events.unshift(...carried.events);
        this.deferred.waiters.unshift(...carried.waiters);
        if (this.deferred.events.length > 0) this.scheduleFlush();
      },
    );
    return done;
  }

  private append(events: readonly SessionEvent[]): Promise<void> {
    const run = async (): Promise<void> => {
      // Each event is caused by the one before it in the stream.
      const batch: NewEvent[] = [];
      let causation = this.lastEventId;
      for (const event of events) {
        const newEvent = eventOf(event, this.sessionId, causation, this.context);
        batch.push(newEvent);
        causation = newEvent.id;
      }
      const result = await this.store.append(sessionStream(this.sessionId), batch, this.revision);
      this.revision = result.nextExpectedRevision;
      this.lastEventId = causation;
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function eventOf(
  event: SessionEvent,
  sessionId: string,
  causationId: string | null,
  context: RecorderContext,
): NewEvent {
  return toNewEvent(event, { ...context, correlationId: sessionId, causationId });
}
