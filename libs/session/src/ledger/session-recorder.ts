import {
  ErrorCode,
  PortcullisError,
  sessionStream,
  toNewEvent,
  type CommandBlockedData,
  type CommandCompletedData,
  type CommandDecidedData,
  type CommandReceivedData,
  type NewEvent,
  type OutputRecordedData,
  type ResultMaskedData,
  type SessionClosedData,
  type SessionEvent,
  type SessionOpenedData,
  type SessionRejectedData,
  type UpstreamCredentialRevokedData,
} from '@portcullis/events';
import {
  backoffDelay,
  backoffSchedule,
  DuplicateEventError,
  WrongExpectedRevisionError,
  type EventStore,
} from '@portcullis/eventstore';
import type { AuditBuffer } from './audit-buffer.js';
import { AuditBacklog } from './audit-backlog.js';
import { AuditWaitEnded, boundedWait } from './bounded-wait.js';
import { recordRejection } from './record-rejection.js';

import type { RecorderContext } from './recorder-context.js';
import type { ShadowDifference } from '../verdict/shadow-policy.js';

export type { RecorderContext } from './recorder-context.js';

/**
 * `strict` (default): CommandReceived+CommandDecided are durable before
 * `decide` resolves. `async`: `decide` resolves at once while the buffer has
 * room, and the pair is appended with the next batch (within FLUSH_AFTER_MS);
 * a full buffer refuses the command. Faster, and a crash can lose the last
 * FLUSH_AFTER_MS of commands: an operator's explicit choice.
 */
export type AuditMode =
  { readonly kind: 'strict' } | { readonly kind: 'async'; readonly buffer: AuditBuffer };

/** How a gateway's sessions are recorded; one object shared by every session of every target. */
export interface AuditOptions {
  /** Default strict. */
  readonly mode?: AuditMode;
  /**
   * The longest a command (or a session's admission) waits for its
   * write-ahead append. Past it the command is refused, and never forwarded
   * later whatever the append does. Default DEFAULT_APPEND_TIMEOUT_MS.
   */
  readonly appendTimeoutMs?: number;
  /** Where events wait while the store is unavailable (bounded). Default: one per session. */
  readonly backlog?: AuditBacklog;
  /**
   * Strict mode only: an effect-free read (one plain SELECT, libs/sql
   * isEffectFree) is forwarded while its write-ahead pair is appended, and
   * no byte of its result reaches the client before the pair is durable.
   * Default true; false makes every command wait before it is forwarded.
   */
  readonly overlapReads?: boolean;
}

export const DEFAULT_APPEND_TIMEOUT_MS = 2_000;
/** The backlog of a recorder given none: a bound per session rather than per gateway. */
const SESSION_BACKLOG_EVENTS = 1_000;

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

/** The longest an after-the-fact event waits for a write-ahead append to ride along with. */
export const FLUSH_AFTER_MS = 50;
/** How a recorder retries events the store did not take. */
const RETRY = backoffSchedule({ initialDelayMs: FLUSH_AFTER_MS, maxDelayMs: 5_000 });

/** The write-ahead pair of command `sequence` is not durable: the command must be refused. */
export class WriteAheadFailed extends PortcullisError {
  constructor(
    readonly sequence: number,
    cause: unknown,
  ) {
    super(
      ErrorCode.Unavailable,
      `write-ahead append of command ${sequence} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** An event built once (its id is stable across retries, so a retry of a landed append is recognised). */
interface Queued {
  readonly event: NewEvent;
  /** Build order: the stream order this event must keep, whatever happens to the appends carrying it. */
  readonly order: number;
  readonly sequence: number | undefined;
  readonly waiter?: { resolve: () => void; reject: (error: unknown) => void };
}

/** An append that did not run: an earlier one failed, or its wait ended first. Its events go back to the queue. */
class NotAppended extends Error {}

/**
 * The one writer of a `session-<id>` stream (docs/architecture.md "One
 * writer per session stream"). It keeps the stream revision in memory and
 * appends with that exact revision, so a second writer (a bug, or a session
 * id reused) fails with WrongExpectedRevisionError instead of interleaving.
 *
 * Appends are chained: each starts after the previous one settled, so the
 * stream order is the call order. Only the write-ahead pair must be durable
 * before a command runs. The after-the-fact events (blocked, forwarded,
 * completed, masked) are carried in the next write-ahead append, or flushed
 * within FLUSH_AFTER_MS, or at close: one commit per command.
 *
 * Nothing is dropped when the store fails (docs/operations.md "Store
 * outages"). The events of a failed append — a refused command's pair, the
 * close — go back to the front of the queue, in order, and are retried with
 * backoff, after the session closed too, until the store takes them; every
 * event keeps its id, so a retry of an append that did land is recognised
 * and not written twice. The queue is bounded by the gateway's AuditBacklog:
 * what does not fit is counted in a CommandsUnrecorded event instead.
 */
export class SessionRecorder {
  private deferred: Queued[] = [];
  private built = 0;
  /** Bumped by every failed or skipped append: appends built before it must not overtake its events. */
  private epoch = 0;
  private failures = 0;
  private reserved = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private revision: number;
  private chain: Promise<unknown> = Promise.resolve();
  private nextSequence = 1;
  private lastBuiltId: string;
  private readonly mode: AuditMode;
  private readonly appendTimeoutMs: number;
  private readonly backlog: AuditBacklog;
  /** AuditOptions.overlapReads, in strict mode (async never waits anyway). */
  readonly overlapsReads: boolean;

  private constructor(
    private readonly store: EventStore,
    readonly sessionId: string,
    private readonly context: RecorderContext,
    revision: number,
    openedEventId: string,
    options: AuditOptions,
  ) {
    this.revision = revision;
    this.lastBuiltId = openedEventId;
    this.mode = options.mode ?? { kind: 'strict' };
    this.appendTimeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
    this.overlapsReads = this.mode.kind === 'strict' && options.overlapReads !== false;
    this.backlog = options.backlog ?? new AuditBacklog(SESSION_BACKLOG_EVENTS);
  }

  /**
   * Appends SessionOpened to a new stream (`no_stream`), with `following`
   * (what the session was opened with, e.g. UpstreamCredentialIssued) in the
   * same append: resolves once they are durable, rejects when they are not
   * within the append timeout. A SessionOpened that lands after that is
   * closed by the SessionRejected that follows (record-rejection.ts).
   */
  static async open(
    store: EventStore,
    opened: SessionOpenedData,
    context: RecorderContext,
    options: AuditOptions = {},
    following: readonly SessionEvent[] = [],
  ): Promise<SessionRecorder> {
    const events: NewEvent[] = [];
    for (const event of [{ type: 'SessionOpened', data: opened } as const, ...following]) {
      events.push(
        toNewEvent(event, {
          ...context,
          correlationId: opened.sessionId,
          causationId: events.at(-1)?.id ?? null,
        }),
      );
    }
    const result = await boundedWait(
      store.append(sessionStream(opened.sessionId), events, 'no_stream'),
      options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
      'the SessionOpened append',
    );
    return new SessionRecorder(
      store,
      opened.sessionId,
      context,
      result.nextExpectedRevision,
      events.at(-1)!.id,
      options,
    );
  }

  /**
   * A session that never opened: one SessionRejected event, in a stream of
   * its own. Resolves once it is durable or held in the backlog, which
   * appends it when the store is back.
   */
  static reject(
    store: EventStore,
    rejected: SessionRejectedData,
    context: RecorderContext,
    options: AuditOptions = {},
  ): Promise<void> {
    return recordRejection(store, rejected, context, {
      appendTimeoutMs: options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
      ...(options.backlog ? { backlog: options.backlog } : {}),
    });
  }

  /** Commands numbered so far (the next command gets `commands + 1`). */
  get commands(): number {
    return this.nextSequence - 1;
  }

  /**
   * Write-ahead: CommandReceived and CommandDecided in ONE append; resolves
   * with the command's sequence number only once both are durable. Nothing
   * of the command may reach the backend before this resolves; when it
   * rejects (WriteAheadFailed: the store failed, the append timeout passed,
   * or `signal` aborted — a client's cancel), the command must be refused
   * and never sent later. The pair is recorded all the same, when the store
   * takes it; the caller records the refusal with `blocked`.
   */
  decide(received: ReceivedCommand, decided: CommandDecision, signal?: AbortSignal): Promise<number> {
    return this.begin(received, decided, signal).durable;
  }

  /**
   * `decide` with the command's sequence known at once, for a front end that
   * runs an effect-free command while its pair is appended (and holds its
   * result until `durable` resolves: AuditOptions.overlapReads).
   */
  begin(
    received: ReceivedCommand,
    decided: CommandDecision,
    signal?: AbortSignal,
  ): { sequence: number; durable: Promise<number> } {
    const sequence = this.nextSequence++;
    return { sequence, durable: this.appendPair(sequence, received, decided, signal) };
  }

  private appendPair(
    sequence: number,
    received: ReceivedCommand,
    decided: CommandDecision,
    signal?: AbortSignal,
  ): Promise<number> {
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
      // Held (and retried) until durable.
      void Promise.all(pair.map((event) => this.defer(event))).then(release, release);
      return Promise.resolve(sequence);
    }
    return this.appendBounded(pair, `the write-ahead append of command ${sequence}`, signal).then(
      () => sequence,
      (error: unknown) => {
        throw new WriteAheadFailed(sequence, error);
      },
    );
  }

  /**
   * Write-ahead, after a review: the decision taken once the approval
   * settled, as a second CommandDecided of the same sequence (the first said
   * `review`). Durable before the command may run, like `decide`.
   */
  decideAfterReview(sequence: number, decided: CommandDecision): Promise<void> {
    return this.appendBounded(
      [{ type: 'CommandDecided', data: { sessionId: this.sessionId, sequence, ...decided } }],
      `the decision after review of command ${sequence}`,
    );
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

  /** The shadow policy's different verdict on command `sequence` (never awaited on the wire path). */
  shadowDiffered(sequence: number, difference: ShadowDifference): Promise<void> {
    return this.defer({
      type: 'ShadowDecisionDiffered',
      data: { sessionId: this.sessionId, sequence, ...difference },
    });
  }

  /** The session's upstream credential was taken back (never awaited on the wire path; SessionClosed carries it). */
  credentialRevoked(revoked: Omit<UpstreamCredentialRevokedData, 'sessionId'>): Promise<void> {
    return this.defer({ type: 'UpstreamCredentialRevoked', data: { sessionId: this.sessionId, ...revoked } });
  }

  /** One ResultMasked per command whose results had values masked: names and counts only. */
  masked(sequence: number, columns: MaskedColumns): Promise<void> {
    return this.defer({ type: 'ResultMasked', data: { sessionId: this.sessionId, sequence, columns } });
  }

  /**
   * Terminal output: appended (with any deferred events) and durable when it
   * resolves, within the append timeout. The SSH proxy batches frames itself
   * and fails the channel closed when this rejects.
   */
  output(output: RecordedOutput): Promise<void> {
    return this.appendBounded(
      [{ type: 'OutputRecorded', data: { sessionId: this.sessionId, ...output } }],
      'the terminal output append',
    );
  }

  /**
   * SessionClosed, after everything recorded before it. Resolves once
   * durable; rejects after the append timeout, while the recorder goes on
   * retrying in the background until the store takes it.
   */
  close(closing: SessionClosing): Promise<void> {
    return this.appendBounded(
      [{ type: 'SessionClosed', data: { sessionId: this.sessionId, ...closing } }],
      'the SessionClosed append',
    );
  }

  /** Resolves when every event recorded so far has been appended (or its append failed). */
  async settled(): Promise<void> {
    if (this.deferred.length > 0) await this.appendCarrying([]).catch(() => undefined);
    await this.chain.catch(() => undefined);
  }

  /** Events waiting for the store (deferred or requeued after a failure). */
  get pendingEvents(): number {
    return this.deferred.length;
  }

  private defer(event: SessionEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.deferred.push({
        ...this.build(event),
        sequence: sequenceOf(event),
        waiter: { resolve, reject },
      });
      this.scheduleFlush();
    });
  }

  /** Builds the event now: its id, causation (the event before it) and time are fixed from here on. */
  private build(event: SessionEvent): { event: NewEvent; order: number } {
    const built = toNewEvent(event, {
      ...this.context,
      correlationId: this.sessionId,
      causationId: this.lastBuiltId,
    });
    this.lastBuiltId = built.id;
    return { event: built, order: this.built++ };
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const delay = this.failures === 0 ? FLUSH_AFTER_MS : backoffDelay(this.failures - 1, RETRY);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.deferred.length > 0) this.appendCarrying([]).catch(() => undefined);
    }, delay);
    this.flushTimer.unref();
  }

  /**
   * An append the caller waits for, at most the append timeout (or until
   * `signal`). If the wait ends before the append started, it never starts:
   * its events go back to the queue for the next append.
   */
  private appendBounded(events: readonly SessionEvent[], what: string, signal?: AbortSignal): Promise<void> {
    const guard = { abandoned: false };
    return boundedWait(this.appendCarrying(events, guard), this.appendTimeoutMs, what, signal).catch(
      (error: unknown) => {
        if (error instanceof AuditWaitEnded) guard.abandoned = true;
        throw error;
      },
    );
  }

  /** Appends the deferred events (in call order, first) together with `events`. */
  private appendCarrying(events: readonly SessionEvent[], guard?: { abandoned: boolean }): Promise<void> {
    const batch = this.deferred;
    this.deferred = [];
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const event of events) batch.push({ ...this.build(event), sequence: sequenceOf(event) });
    const done = this.append(batch, guard);
    done.then(
      () => {
        this.failures = 0;
        const stillHeld = Math.min(this.reserved, this.deferred.length);
        this.backlog.release(this.reserved - stillHeld);
        this.reserved = stillHeld;
        for (const { waiter } of batch) waiter?.resolve();
        if (this.deferred.length > 0) this.scheduleFlush();
      },
      (error: unknown) => {
        if (isPermanent(error)) {
          // Another writer owns this stream: retrying cannot help, and the caller hears why.
          for (const { waiter } of batch) waiter?.reject(error);
          return;
        }
        if (!(error instanceof NotAppended)) this.failures += 1;
        this.requeue(batch);
        this.scheduleFlush();
      },
    );
    return done;
  }

  private append(batch: readonly Queued[], guard?: { abandoned: boolean }): Promise<void> {
    const epoch = this.epoch;
    const run = async (): Promise<void> => {
      // Built before an append failed: it would overtake that append's events.
      if (epoch !== this.epoch) throw new NotAppended('an earlier append failed');
      if (guard?.abandoned) {
        this.epoch += 1; // appends queued behind this one carry later events: they wait too
        throw new NotAppended('the wait for this append ended first');
      }
      try {
        await this.appendResolvingRetries(batch);
      } catch (error) {
        this.epoch += 1;
        throw error;
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * One append at the revision we hold. If the store says the stream moved,
   * it may be our own earlier append that failed on the way back (a timeout
   * after the commit): the stream's tail then holds only our events, which
   * are taken as landed and the rest appended. A foreign event in the tail is
   * a second writer, and the conflict stands.
   */
  private async appendResolvingRetries(batch: readonly Queued[]): Promise<void> {
    if (batch.length === 0) return;
    const stream = sessionStream(this.sessionId);
    try {
      const result = await this.store.append(
        stream,
        batch.map((q) => q.event),
        this.revision,
      );
      this.revision = result.nextExpectedRevision;
      return;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventError)) throw error;
      const tail = await this.store.readStream(stream, { fromRevision: this.revision + 1 });
      const ours = new Set(batch.map((q) => q.event.id));
      if (tail.length === 0 || tail.some((e) => !ours.has(e.id))) throw error;
      this.revision = tail.at(-1)!.revision;
      const landed = new Set(tail.map((e) => e.id));
      const rest = batch.filter((q) => !landed.has(q.event.id));
      if (rest.length === 0) return;
      const result = await this.store.append(
        stream,
        rest.map((q) => q.event),
        this.revision,
      );
      this.revision = result.nextExpectedRevision;
    }
  }

  /**
   * A failed batch goes back to the queue, each event at its place in build
   * order (after older requeued events, ahead of what was deferred since).
   * When the backlog has no room, the commands' events are
   * dropped and counted in one CommandsUnrecorded event instead (the close
   * and earlier counts are always kept).
   */
  private requeue(batch: Queued[]): void {
    // Each event back at its place in build order: after older requeued ones, before newer ones.
    this.deferred = [...batch, ...this.deferred].sort((a, b) => a.order - b.order);
    const want = this.deferred.length;
    if (want <= this.reserved) return;
    if (this.backlog.reserve(want - this.reserved)) {
      this.reserved = want;
      return;
    }
    this.dropForRoom();
  }

  private dropForRoom(): void {
    const kept: Queued[] = [];
    const dropped: Queued[] = [];
    for (const queued of this.deferred) {
      const type = queued.event.type;
      (type === 'SessionClosed' || type === 'CommandsUnrecorded' || type === 'SessionOpened'
        ? kept
        : dropped
      ).push(queued);
    }
    const sequences = dropped.map((q) => q.sequence).filter((s): s is number => s !== undefined);
    const error = new PortcullisError(ErrorCode.Unavailable, 'the audit backlog is full: event not recorded');
    for (const { waiter } of dropped) waiter?.reject(error);
    if (sequences.length > 0) {
      const summary: SessionEvent = {
        type: 'CommandsUnrecorded',
        data: {
          sessionId: this.sessionId,
          commands: new Set(sequences).size,
          events: dropped.length,
          firstSequence: Math.min(...sequences),
          lastSequence: Math.max(...sequences),
          reason: `the gateway's buffer of events held while the store was unavailable (${this.backlog.capacity} events) was full`,
        },
      };
      // It stands where the dropped events stood.
      const { event } = this.build(summary);
      kept.push({ event, order: Math.min(...dropped.map((q) => q.order)), sequence: undefined });
    }
    this.deferred = kept.sort((a, b) => a.order - b.order);
    this.backlog.release(this.reserved);
    this.reserved = this.backlog.reserve(kept.length) ? kept.length : 0;
  }
}

function sequenceOf(event: SessionEvent): number | undefined {
  const data = event.data as { sequence?: unknown };
  return typeof data.sequence === 'number' ? data.sequence : undefined;
}

/** Errors a retry cannot fix. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof WrongExpectedRevisionError ||
    error instanceof DuplicateEventError ||
    (error instanceof PortcullisError && error.code === ErrorCode.Validation)
  );
}
