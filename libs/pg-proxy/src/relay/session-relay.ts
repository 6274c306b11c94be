import type { Duplex } from 'node:stream';
import { Refusals, writeAhead, writeAheadRunning, type SessionRecorder } from '@portcullis/session';
import { backend, frontend } from '../protocol/index.js';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import type { FrontendMessage } from '../protocol/messages.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { BackendCode } from '../protocol/message-codes.js';
import type { BackendFrame } from '../protocol/messages.js';
import { decodeRowDescription } from '../protocol/row-decoder.js';
import type { MaskingPlan } from '../masking/masking-plan.js';
import { decodeCopyOutResponse, describeStatements } from '../masking/masking-messages.js';
import type { ResultMasking } from '../masking/result-masking.js';
import type { ClientChannel } from '../connection/client-channel.js';
import type { StatementContext, StatementDecision } from '../statements/decide-statement.js';
import { maskErrorFields } from '../masking/error-field-masking.js';
import { ExtendedQuery } from '../statements/extended-query.js';
import type { StatementRelay } from '../statements/statement-relay.js';
import { poisonQuery } from '../statements/poison-statement.js';
import type { ProxyLogger } from '../listener/proxy-options.js';
import {
  denialResponse,
  ResponseTracker,
  type Expectation,
  type TrackedCommand,
} from './response-tracker.js';
import { SqlState } from '../connection/session-refusal.js';
import { relayFunctionCall, relaySimpleQuery } from '../statements/simple-query.js';
import { IdleTimer, StatementTimer, type SessionLimits } from '../connection/session-timeouts.js';

/** Why a session ended, as SessionClosed records it. */
export type CloseReason =
  | 'client_terminated'
  | 'client_disconnected'
  | 'upstream_closed'
  | 'protocol_violation'
  | 'proxy_shutdown'
  | 'idle_timeout'
  /** An operator ended it (libs/session lifecycle): SessionClosed says who and why. */
  | 'terminated'
  /** The session's upstream credential reached its end (credentials/session-upstream.ts). */
  | 'credential_expired';

/** Server messages that are part of a command's result (dropped when its write-ahead pair fails). */
const RESULT_CODES = new Set<number>([
  BackendCode.RowDescription,
  BackendCode.DataRow,
  BackendCode.CommandComplete,
  BackendCode.EmptyQueryResponse,
  BackendCode.PortalSuspended,
  BackendCode.ErrorResponse,
  BackendCode.NoticeResponse,
]);

/** Past this many withheld bytes the upstream is paused until the pair is durable. */
const MAX_WITHHELD_BYTES = 1024 * 1024;

/** A command run ahead of its durable write-ahead pair (runAhead), and what the server answered meanwhile. */
interface Withheld {
  readonly command: TrackedCommand;
  /** In arrival order; `result`: part of the command's result; `completes`: the frame that ended it. */
  frames: { out: Buffer; result: boolean; completes: boolean }[];
  bytes: number;
  /** The command's last frame has arrived. */
  done: boolean;
  paused: boolean;
  /** The pair did not become durable: the rest of the result is dropped, this refusal takes its place. */
  refusal?: string;
}

/**
 * Step 7: relay both ways. Client messages are handled one at a time, in
 * order (each may wait for a decision and a durable append); server frames
 * are relayed as they come, through the ResponseTracker.
 */
export class SessionRelay implements StatementRelay {
  readonly tracker: ResponseTracker;
  readonly extended: ExtendedQuery;
  private readonly reader = new BackendFrameReader();
  private reason: CloseReason | undefined;
  private detail = '';
  private waitingForDrain = false;
  /** A RowDescription held back while the catalog loads what masking needs; later chunks wait behind it. */
  private held: BackendFrame | undefined;
  private backlog: Buffer[] = [];
  private idle: IdleTimer | undefined;
  private statementTimer: StatementTimer<TrackedCommand> | undefined;
  /** A client message is being handled (decided, written ahead, maybe waiting for approval). */
  private dispatching = false;
  /** Set while a statement waits for approval: a CancelRequest ends the wait. */
  private cancelWait: (() => void) | undefined;
  /** Set while an effect-free command runs ahead of its write-ahead pair: its result waits here. */
  private withheld: Withheld | undefined;

  constructor(
    readonly channel: ClientChannel,
    private readonly upstream: Duplex,
    readonly recorder: SessionRecorder,
    readonly statements: StatementContext,
    private readonly logger: ProxyLogger,
    private readonly masking: ResultMasking,
    private readonly limits: SessionLimits = {},
  ) {
    this.tracker = new ResponseTracker({
      completed: (command) => this.completed(command),
      describeRows: (command, frame) => this.describeRows(command, frame),
      catalogChanged: () => this.masking.catalogChanged(),
      copyOut: (command, frame) => this.copyOut(command, frame),
      maskMessage: (command, frame) => this.maskMessage(command, frame),
      fault: (detail) =>
        this.stop('protocol_violation', detail, fatal(SqlState.ProtocolViolation, 'protocol violation')),
    });
    this.extended = new ExtendedQuery(this);
  }

  /** Relays until one side ends; resolves with why. */
  async run(): Promise<{ reason: CloseReason; detail: string }> {
    // Terminated before it ran (an operator was quicker than the first message): no timers.
    if (this.reason === undefined) this.startTimers();
    this.upstream.on('data', (chunk: Buffer) => this.fromUpstream(chunk));
    this.upstream.on('error', () => undefined);
    this.upstream.on('close', () => this.upstreamClosed());
    this.upstream.resume();
    if (this.upstream.destroyed) this.stop('upstream_closed', 'the database server closed the connection');
    while (this.reason === undefined) {
      const message = await this.channel.next();
      if (message === null) break;
      if (isProtocolViolation(message)) {
        this.stop(
          'protocol_violation',
          message.message,
          fatal(SqlState.ProtocolViolation, 'protocol violation'),
        );
        break;
      }
      this.dispatching = true;
      await this.dispatch(message).finally(() => (this.dispatching = false));
      this.idle?.touch();
    }
    this.stop('client_disconnected', 'client closed the connection');
    return { reason: this.reason!, detail: this.detail };
  }

  /** Ends the session (first reason wins): last words to the client, both sockets closed. */
  stop(reason: CloseReason, detail: string, toClient?: Buffer): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.idle?.stop();
    this.statementTimer?.stop();
    this.detail = detail;
    this.channel.end(toClient);
    if (reason === 'client_terminated') this.upstream.end(frontend.terminate());
    else this.upstream.destroy();
  }

  /**
   * The server went away (terminated backend, server stopped, network): the
   * command it cut off is completed with the error, and the client gets one
   * FATAL — the server's own when it sent one, else ours.
   */
  private upstreamClosed(): void {
    if (this.stopped) return;
    const detail = 'the database server closed the connection';
    this.tracker.cutOff({ code: SqlState.ConnectionFailure, message: detail });
    this.stop(
      'upstream_closed',
      detail,
      this.tracker.upstreamFatal
        ? undefined
        : fatal(SqlState.AdminShutdown, `terminating connection: ${detail}`),
    );
  }

  /** While `onCancel` is held, a client CancelRequest calls it instead of reaching the server. */
  holdCancellable(onCancel: () => void): () => void {
    this.cancelWait = onCancel;
    return () => {
      if (this.cancelWait === onCancel) this.cancelWait = undefined;
    };
  }

  /**
   * An operator ended the session (libs/session LiveSessions): PostgreSQL's
   * own words for it, FATAL 57P01 (what pg_terminate_backend sends), with the
   * core's message. A statement paused for approval is cut off with it.
   */
  terminate(message: string): void {
    this.stop('terminated', message, fatal(SqlState.AdminShutdown, message));
  }

  /** A CancelRequest for this session: true when it ended a wait for approval (nothing to forward). */
  cancelPause(): boolean {
    const cancel = this.cancelWait;
    if (!cancel) return false;
    this.cancelWait = undefined;
    cancel();
    return true;
  }

  /** The session's timeouts (session-timeouts.ts), from the target's options. */
  private startTimers(): void {
    const { idleTimeoutMs, statementTimeoutMs, cancelUpstream } = this.limits;
    if (idleTimeoutMs !== undefined && idleTimeoutMs > 0) {
      this.idle = new IdleTimer(
        idleTimeoutMs,
        () => this.dispatching || !this.tracker.quiet,
        () =>
          this.stop(
            'idle_timeout',
            `no client message for ${idleTimeoutMs} ms`,
            fatal(SqlState.IdleSessionTimeout, 'terminating connection due to idle-session timeout'),
          ),
      );
    }
    if (statementTimeoutMs !== undefined && statementTimeoutMs > 0 && cancelUpstream) {
      this.statementTimer = new StatementTimer(statementTimeoutMs, (command) => {
        this.logger.info(
          { sessionId: this.recorder.sessionId, sequence: command.sequence, statementTimeoutMs },
          'statement timeout: cancelling on the upstream',
        );
        cancelUpstream();
      });
    }
  }

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /**
   * Sends a client frame on, registering what the server owes us for it.
   * Frames forwarded in one turn of the event loop (a pipeline's Parse, Bind,
   * Execute, Sync) leave in one write: the socket is corked until the turn ends.
   */
  forward(frame: Buffer, expectation?: Expectation): void {
    if (this.stopped) return;
    if (expectation) this.tracker.expect(expectation);
    if (!this.upstreamCorked) {
      this.upstreamCorked = true;
      this.upstream.cork();
      process.nextTick(this.uncorkUpstream);
    }
    this.upstream.write(frame);
  }

  private upstreamCorked = false;
  private readonly uncorkUpstream = (): void => {
    this.upstreamCorked = false;
    this.upstream.uncork();
  };

  /**
   * Write-ahead: resolves with the sequence once CommandReceived+CommandDecided
   * are durable, else undefined (refuse the statement). The wait is bounded
   * by the audit append timeout, and a client CancelRequest ends it at once;
   * either way the statement is refused and never sent later (the recorder
   * records the pair and the refusal when the store takes them).
   */
  async writeAhead(
    decision: Pick<StatementDecision, 'received' | 'decided' | 'shadow'>,
  ): Promise<number | undefined> {
    const cancel = new AbortController();
    const release = this.holdCancellable(() => cancel.abort());
    try {
      return await writeAhead(this.recorder, decision, {
        errorCode: SqlState.InsufficientPrivilege,
        logger: this.logger,
        signal: cancel.signal,
      });
    } finally {
      release();
    }
  }

  canRunAhead(decision: StatementDecision): boolean {
    return (
      decision.effectFree &&
      decision.allowed &&
      !decision.review &&
      this.recorder.overlapsReads &&
      this.withheld === undefined &&
      !this.extended.executedSinceSync &&
      this.tracker.atTransactionStart
    );
  }

  /**
   * The overlap of docs/architecture.md "When a statement waits": the
   * command is forwarded at once and its pair appended meanwhile; nothing
   * the server answers reaches the client before the pair is durable. If it
   * does not become durable (append timeout, store down),
   * the result is dropped and the client gets the same refusal as a
   * statement refused before it ran; the command was a read that changed
   * nothing, and it is recorded as forwarded, then blocked.
   */
  async runAhead(
    decision: Pick<StatementDecision, 'masking'>,
    recorded: Pick<StatementDecision, 'received' | 'decided' | 'shadow'>,
    send: (command: TrackedCommand) => void,
  ): Promise<boolean> {
    // A CancelRequest meanwhile reaches the server, as for any running command: the wait is bounded by the append timeout.
    const { sequence, durable } = writeAheadRunning(this.recorder, recorded, {
      errorCode: SqlState.InsufficientPrivilege,
      logger: this.logger,
    });
    const command = this.track(sequence, decision.masking);
    this.withheld = { command, frames: [], bytes: 0, done: false, paused: false };
    send(command);
    this.forwarded(sequence);
    const ok = await durable;
    this.releaseWithheld(ok ? undefined : Refusals.auditUnavailable);
    return ok;
  }

  /** A frame of the command running ahead (or after it, before its pair is durable): held, or dropped after a failure. */
  private withhold(withheld: Withheld, code: number, out: Buffer, open: boolean): boolean {
    const result = open && RESULT_CODES.has(code);
    const completes = open && withheld.done;
    if (withheld.refusal !== undefined) {
      if (!completes) return result ? true : this.toClient(out);
      this.withheld = undefined;
      this.toClient(denialResponse(withheld.refusal));
      if (!result) this.toClient(out);
      this.resumeUpstream();
      return true;
    }
    withheld.frames.push({ out, result, completes });
    withheld.bytes += out.length;
    if (withheld.bytes > MAX_WITHHELD_BYTES && !withheld.paused) {
      withheld.paused = true;
      this.upstream.pause();
    }
    return true;
  }

  /** The pair is durable (`refusal` undefined): the held frames go out. Else the result is replaced by the refusal. */
  private releaseWithheld(refusal: string | undefined): void {
    const withheld = this.withheld;
    if (!withheld || this.stopped) return;
    const frames = withheld.frames;
    withheld.frames = [];
    withheld.paused = false;
    if (refusal === undefined || withheld.done) this.withheld = undefined;
    else withheld.refusal = refusal;
    this.channel.cork();
    for (const frame of frames) {
      if (refusal === undefined) this.toClient(frame.out);
      else {
        if (frame.completes) this.toClient(denialResponse(refusal));
        if (!frame.result) this.toClient(frame.out);
      }
    }
    this.backpressure(this.channel.uncork());
    this.resumeUpstream();
  }

  /** A command about to be forwarded; results are masked when its plan asks for anything. */
  track(sequence: number, plan?: MaskingPlan): TrackedCommand {
    const command: TrackedCommand = { sequence, startedAt: process.hrtime.bigint(), rows: null };
    if (plan?.active) command.masking = this.masking.begin(plan);
    this.statementTimer?.started(command);
    const limit = this.limits.recordResultRows ?? 0;
    if (limit > 0) command.recording = { limit, rows: [] };
    return command;
  }

  forwarded(sequence: number): void {
    this.recorder.forwarded(sequence).catch((error: unknown) => this.appendFailed('CommandForwarded', error));
  }

  blocked(sequence: number | undefined, refusal: string): void {
    if (sequence === undefined) return;
    this.recorder
      .blocked(sequence, { reason: refusal, errorCode: SqlState.InsufficientPrivilege })
      .catch((error: unknown) => this.appendFailed('CommandBlocked', error));
  }

  /**
   * Refuses a simple Query or FunctionCall. When the upstream is idle and owes
   * us nothing, we answer ourselves (what PostgreSQL says outside a
   * transaction). Otherwise the poison goes upstream so the server aborts the
   * transaction as PostgreSQL would and our error arrives in its place, in order.
   */
  refuseSimple(refusal: string, touchesTransaction: boolean): void {
    if (this.tracker.quiet && this.tracker.status === 'I' && !touchesTransaction) {
      this.channel.write(Buffer.concat([denialResponse(refusal), backend.readyForQuery('I')]));
    } else {
      this.forward(poisonQuery(), { kind: 'query', refusal });
    }
  }

  private async dispatch(message: FrontendMessage): Promise<void> {
    switch (message.type) {
      case 'query':
        return relaySimpleQuery(this, message);
      case 'functionCall':
        return relayFunctionCall(this, message);
      case 'parse':
        return this.extended.parse(message);
      case 'bind':
        return this.extended.bind(message);
      case 'execute':
        return this.extended.execute(message);
      case 'describe':
      case 'close':
      case 'sync':
      case 'flush':
        return this.extended.passThrough(message);
      case 'copyData':
      case 'copyDone':
      case 'copyFail':
        if (!this.tracker.copyIn) return this.violation(`${message.type} outside COPY FROM STDIN`);
        if (message.type !== 'copyData') this.tracker.copyIn = false;
        return this.forward(message.frame);
      case 'terminate':
        return this.stop('client_terminated', 'client sent Terminate');
      default:
        return this.violation(`unexpected ${message.type} in a session`);
    }
  }

  private violation(detail: string): void {
    this.stop(
      'protocol_violation',
      detail,
      fatal(SqlState.ProtocolViolation, `protocol violation: ${detail}`),
    );
  }

  private fromUpstream(chunk: Buffer): void {
    if (this.held) {
      this.backlog.push(chunk);
      return;
    }
    let corked = false;
    const consumed = this.reader.read(chunk, (frame) => {
      if (isProtocolViolation(frame)) {
        this.stop(
          'protocol_violation',
          `upstream: ${frame.message}`,
          fatal(SqlState.ProtocolViolation, 'protocol violation'),
        );
        return false;
      }
      if (
        (frame.code === BackendCode.RowDescription || frame.code === BackendCode.CopyOutResponse) &&
        this.holdForCatalog(frame)
      )
        return false;
      if (!corked) {
        // The frames of one chunk leave in one write, as they arrived.
        this.channel.cork();
        corked = true;
      }
      return this.relayFrame(frame);
    });
    if (corked) this.backpressure(this.channel.uncork());
    if (this.held && consumed < chunk.length) this.backlog.unshift(chunk.subarray(consumed));
  }

  private relayFrame(frame: BackendFrame): boolean {
    const withheld = this.withheld;
    const open = withheld !== undefined && !withheld.done;
    const out = this.tracker.onFrame(frame);
    if (this.stopped) return false;
    if (frame.code === BackendCode.ReadyForQuery && this.tracker.status === 'I')
      this.masking.transactionEnded();
    if (out === null) return true;
    if (withheld) return this.withhold(withheld, frame.code, out, open);
    return this.toClient(out);
  }

  private toClient(out: Buffer): boolean {
    this.backpressure(this.channel.write(out));
    return true;
  }

  /** `room` false: the client's buffer is full; a slow client slows the server down instead of filling our memory. */
  private backpressure(room: boolean): void {
    if (!room && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.upstream.pause();
      this.channel.socket.once('drain', () => {
        this.waitingForDrain = false;
        this.resumeUpstream();
      });
    }
  }

  /** Reads the server again unless something still holds it: a slow client, the catalog, a withheld result. */
  private resumeUpstream(): void {
    if (!this.waitingForDrain && !this.held && !this.withheld?.paused && !this.stopped)
      this.upstream.resume();
  }

  /**
   * A RowDescription of a masked result naming relations the catalog cache
   * does not know: the server's frames wait (the upstream is paused) until
   * the catalog connection answered. If it cannot, the unknown columns are
   * masked whole (result-masking.ts), never passed.
   */
  private holdForCatalog(frame: BackendFrame): boolean {
    const masking = this.tracker.maskedRowsCommand?.masking;
    if (!masking) return false;
    // A COPY's columns are those of its source, described before it ran.
    const fields =
      frame.code === BackendCode.CopyOutResponse
        ? masking.copyLayouts?.get(masking.statement)
        : decodeRowDescription(frame.frame);
    if (!fields || isProtocolViolation(fields)) return false; // the tracker's decode reports it
    const missing = this.masking.missing(masking, fields);
    if (missing.oids.length === 0 && missing.names.length === 0) return false;
    this.held = frame;
    this.upstream.pause();
    this.masking
      .load(masking, fields)
      .catch((error: unknown) =>
        this.logger.warn(
          { sessionId: this.recorder.sessionId, err: error instanceof Error ? error.message : String(error) },
          'catalog lookup failed: unresolved columns are masked whole',
        ),
      )
      .finally(() => this.release());
    return true;
  }

  private release(): void {
    const frame = this.held!;
    this.held = undefined;
    if (this.stopped) return;
    this.channel.cork();
    this.relayFrame(frame);
    this.backpressure(this.channel.uncork());
    const backlog = this.backlog;
    this.backlog = [];
    for (const [index, chunk] of backlog.entries()) {
      if (this.stopped) return;
      this.fromUpstream(chunk);
      if (this.held) {
        this.backlog.push(...backlog.slice(index + 1));
        return;
      }
    }
    this.resumeUpstream();
  }

  /**
   * Before a masked simple Query with COPY … TO: the proxy asks the server,
   * on this session, for the row layout of each COPY's source (analysed, not
   * run), so the COPY's rows are masked by their columns like a query's.
   */
  describeCopySources(command: TrackedCommand): void {
    const copies = command.masking?.plan.copies ?? [];
    const statements: number[] = [];
    const sources: string[] = [];
    for (const [i, copy] of copies.entries()) {
      if (typeof copy !== 'object') continue;
      statements.push(i);
      sources.push(copy.source);
    }
    // Only between round trips: behind a pipeline our Sync would change what the
    // client's messages mean. Without a layout the COPY is masked whole.
    if (statements.length === 0 || !this.tracker.settled) return;
    this.forward(describeStatements(sources), { kind: 'copyLayout', command, statements, answered: 0 });
  }

  /** The CopyOutResponse of a masked command: text or CSV rows get a masker; anything else ends the session. */
  private copyOut(command: TrackedCommand, frame: Buffer): Buffer | null {
    const masking = command.masking!;
    const response = decodeCopyOutResponse(frame);
    const plan = masking.plan.copies[masking.statement];
    if (response === null || response.binary || typeof plan !== 'object') {
      this.stop(
        'protocol_violation',
        'a masked COPY the proxy cannot read',
        fatal(SqlState.ProtocolViolation, 'protocol violation: a masked COPY the proxy cannot read'),
      );
      return null;
    }
    const fields = masking.copyLayouts?.get(masking.statement);
    masking.copy = this.masking.copyRows(masking, fields, response.columns, plan.format);
    return frame;
  }

  private maskMessage(command: TrackedCommand, frame: Buffer): Buffer | null {
    const masked = maskErrorFields(this.masking, command.masking!, frame);
    if (!isProtocolViolation(masked)) return masked;
    this.stop(
      'protocol_violation',
      `upstream: ${masked.message}`,
      fatal(SqlState.ProtocolViolation, 'protocol violation'),
    );
    return null;
  }

  private describeRows(command: TrackedCommand, frame: Buffer): Buffer | null {
    const fields = decodeRowDescription(frame);
    if (isProtocolViolation(fields)) {
      this.stop(
        'protocol_violation',
        `upstream: ${fields.message}`,
        fatal(SqlState.ProtocolViolation, 'protocol violation'),
      );
      return null;
    }
    const described = this.masking.describe(command.masking!, fields);
    return described.every((field, i) => field === fields[i]) ? frame : backend.rowDescription(described);
  }

  private completed(command: TrackedCommand): void {
    if (this.withheld?.command === command) this.withheld.done = true;
    this.statementTimer?.completed(command);
    const durationMs = Number(process.hrtime.bigint() - command.startedAt) / 1e6;
    const report = command.masking?.report;
    if (report && !report.isEmpty) {
      // Names and counts only (MaskingReport cannot hold a value).
      this.recorder
        .masked(command.sequence, report.toMaskedColumns())
        .catch((error: unknown) => this.appendFailed('ResultMasked', error));
    }
    this.recorder
      .completed(command.sequence, {
        rows: command.rows,
        durationMs,
        ...(command.tag === undefined ? {} : { commandTag: command.tag }),
        ...(command.error === undefined ? {} : { error: command.error }),
        ...(command.recording?.rows.length ? { resultRows: command.recording.rows } : {}),
      })
      .catch((error: unknown) => this.appendFailed('CommandCompleted', error));
  }

  private appendFailed(event: string, error: unknown): void {
    this.logger.error(
      {
        sessionId: this.recorder.sessionId,
        event,
        err: error instanceof Error ? error.message : String(error),
      },
      'audit append failed',
    );
  }
}

export function fatal(code: string, message: string): Buffer {
  return backend.errorResponse({ severity: 'FATAL', code, message });
}
