import {
  sessionStream,
  toNewEvent,
  type CommandBlockedData,
  type CommandCompletedData,
  type CommandDecidedData,
  type CommandReceivedData,
  type EventContext,
  type NewEvent,
  type ResultMaskedData,
  type SessionClosedData,
  type SessionEvent,
  type SessionOpenedData,
  type SessionRejectedData,
} from '@portcullis/events';
import type { AppendResult, EventStore } from '@portcullis/eventstore';

/** Who writes: the identity subject (or `anonymous`) and the gateway instance. */
export type RecorderContext = Omit<EventContext, 'correlationId' | 'causationId'>;

/** What the proxy knows of a command when it receives it; the recorder adds session id and sequence. */
export type ReceivedCommand = Omit<CommandReceivedData, 'sessionId' | 'sequence'>;
export type CommandDecision = Omit<CommandDecidedData, 'sessionId' | 'sequence'>;
export type CommandBlock = Omit<CommandBlockedData, 'sessionId' | 'sequence'>;
export type CommandCompletion = Omit<CommandCompletedData, 'sessionId' | 'sequence'>;
export type SessionClosing = Omit<SessionClosedData, 'sessionId'>;
/** Which columns of a command's results were masked, by which rule or detector, how many values (never the values). */
export type MaskedColumns = ResultMaskedData['columns'];

/**
 * The one writer of a `session-<id>` stream (DESIGN.md "One writer per
 * session stream"). It keeps the stream revision in memory and appends with
 * that exact revision, so a second writer (a bug, or a session id reused)
 * fails with WrongExpectedRevisionError instead of interleaving.
 *
 * Appends are chained: each starts after the previous one settled, so the
 * stream order is the call order even when the proxy does not await
 * `forwarded`/`completed`. A failed append does not poison the chain (the
 * revision only advances on success); the caller of that append sees the
 * error and decides (the proxy refuses the statement).
 */
export class SessionRecorder {
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
  ) {
    this.revision = opened.nextExpectedRevision;
    this.lastEventId = openedEventId;
  }

  /** Appends SessionOpened to a new stream (`no_stream`): resolves once it is durable. */
  static async open(
    store: EventStore,
    opened: SessionOpenedData,
    context: RecorderContext,
  ): Promise<SessionRecorder> {
    const event = eventOf({ type: 'SessionOpened', data: opened }, opened.sessionId, null, context);
    const result = await store.append(sessionStream(opened.sessionId), [event], 'no_stream');
    return new SessionRecorder(store, opened.sessionId, context, result, event.id);
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
    return this.append([
      { type: 'CommandReceived', data: { sessionId, sequence, ...received } },
      { type: 'CommandDecided', data: { sessionId, sequence, ...decided } },
    ]).then(() => sequence);
  }

  blocked(sequence: number, block: CommandBlock): Promise<void> {
    return this.append([{ type: 'CommandBlocked', data: { sessionId: this.sessionId, sequence, ...block } }]);
  }

  forwarded(sequence: number): Promise<void> {
    return this.append([{ type: 'CommandForwarded', data: { sessionId: this.sessionId, sequence } }]);
  }

  completed(sequence: number, completion: CommandCompletion): Promise<void> {
    return this.append([
      { type: 'CommandCompleted', data: { sessionId: this.sessionId, sequence, ...completion } },
    ]);
  }

  /** One ResultMasked per command whose results had values masked: names and counts only. */
  masked(sequence: number, columns: MaskedColumns): Promise<void> {
    return this.append([{ type: 'ResultMasked', data: { sessionId: this.sessionId, sequence, columns } }]);
  }

  close(closing: SessionClosing): Promise<void> {
    return this.append([{ type: 'SessionClosed', data: { sessionId: this.sessionId, ...closing } }]);
  }

  /** Resolves when every append issued so far has settled (successfully or not). */
  async settled(): Promise<void> {
    await this.chain.catch(() => undefined);
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
