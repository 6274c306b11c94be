import type { Duplex } from 'node:stream';
import type { SessionRecorder } from '@portcullis/audit';
import { backend, frontend } from '../protocol/index.js';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import type { FrontendMessage } from '../protocol/messages.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { BackendCode } from '../protocol/message-codes.js';
import type { BackendFrame } from '../protocol/messages.js';
import { decodeRowDescription } from '../protocol/row-decoder.js';
import type { MaskingPlan } from './masking-plan.js';
import type { ResultMasking } from './result-masking.js';
import type { ClientChannel } from './client-channel.js';
import type { StatementContext, StatementDecision } from './decide-statement.js';
import { ExtendedQuery } from './extended-query.js';
import { poisonQuery } from './poison-statement.js';
import type { ProxyLogger } from './proxy-options.js';
import {
  denialResponse,
  ResponseTracker,
  type Expectation,
  type TrackedCommand,
} from './response-tracker.js';
import { SqlState } from './session-refusal.js';
import { relayFunctionCall, relaySimpleQuery } from './simple-query.js';

/** Why a session ended, as SessionClosed records it. */
export type CloseReason =
  'client_terminated' | 'client_disconnected' | 'upstream_closed' | 'protocol_violation' | 'proxy_shutdown';

/** The refusal when the write-ahead append fails (DESIGN.md: strict mode fails closed). */
export const AUDIT_UNAVAILABLE = 'audit store unavailable';

/**
 * Step 7: relay both ways. Client messages are handled one at a time, in
 * order (each may wait for a decision and a durable append); server frames
 * are relayed as they come, through the ResponseTracker.
 */
export class SessionRelay {
  readonly tracker: ResponseTracker;
  readonly extended: ExtendedQuery;
  private readonly reader = new BackendFrameReader();
  private reason: CloseReason | undefined;
  private detail = '';
  private waitingForDrain = false;
  /** A RowDescription held back while the catalog loads what masking needs; later chunks wait behind it. */
  private held: BackendFrame | undefined;
  private backlog: Buffer[] = [];

  constructor(
    readonly channel: ClientChannel,
    private readonly upstream: Duplex,
    readonly recorder: SessionRecorder,
    readonly statements: StatementContext,
    private readonly logger: ProxyLogger,
    private readonly masking: ResultMasking,
  ) {
    this.tracker = new ResponseTracker({
      completed: (command) => this.completed(command),
      describeRows: (command, frame) => this.describeRows(command, frame),
      catalogChanged: () => this.masking.catalogChanged(),
      fault: (detail) =>
        this.stop('protocol_violation', detail, fatal(SqlState.ProtocolViolation, 'protocol violation')),
    });
    this.extended = new ExtendedQuery(this);
  }

  /** Relays until one side ends; resolves with why. */
  async run(): Promise<{ reason: CloseReason; detail: string }> {
    this.upstream.on('data', (chunk: Buffer) => this.fromUpstream(chunk));
    this.upstream.on('error', () => undefined);
    this.upstream.on('close', () =>
      this.stop(
        'upstream_closed',
        'the database server closed the connection',
        fatal(SqlState.AdminShutdown, 'terminating connection: the database server closed the connection'),
      ),
    );
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
      await this.dispatch(message);
    }
    this.stop('client_disconnected', 'client closed the connection');
    return { reason: this.reason!, detail: this.detail };
  }

  /** Ends the session (first reason wins): last words to the client, both sockets closed. */
  stop(reason: CloseReason, detail: string, toClient?: Buffer): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.detail = detail;
    this.channel.end(toClient);
    if (reason === 'client_terminated') this.upstream.end(frontend.terminate());
    else this.upstream.destroy();
  }

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /** Sends a client frame on, registering what the server owes us for it. */
  forward(frame: Buffer, expectation?: Expectation): void {
    if (this.stopped) return;
    if (expectation) this.tracker.expect(expectation);
    this.upstream.write(frame);
  }

  /** Write-ahead: resolves with the sequence once CommandReceived+CommandDecided are durable, else undefined. */
  async writeAhead(decision: Pick<StatementDecision, 'received' | 'decided'>): Promise<number | undefined> {
    try {
      return await this.recorder.decide(decision.received, decision.decided);
    } catch (error) {
      this.logger.error(
        { sessionId: this.recorder.sessionId, err: error instanceof Error ? error.message : String(error) },
        'write-ahead append failed: refusing the statement',
      );
      return undefined;
    }
  }

  /** A command about to be forwarded; results are masked when its plan asks for anything. */
  track(sequence: number, plan?: MaskingPlan): TrackedCommand {
    const command: TrackedCommand = { sequence, startedAt: process.hrtime.bigint(), rows: null };
    if (plan?.active) command.masking = this.masking.begin(plan);
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
      if (frame.code === BackendCode.RowDescription && this.holdForCatalog(frame)) return false;
      if (!corked) {
        // The frames of one chunk leave in one write, as they arrived.
        this.channel.socket.cork();
        corked = true;
      }
      return this.relayFrame(frame);
    });
    if (corked) this.channel.socket.uncork();
    if (this.held && consumed < chunk.length) this.backlog.unshift(chunk.subarray(consumed));
  }

  private relayFrame(frame: BackendFrame): boolean {
    const out = this.tracker.onFrame(frame);
    if (this.stopped) return false;
    if (frame.code === BackendCode.ReadyForQuery && this.tracker.status === 'I')
      this.masking.transactionEnded();
    if (out === null) return true;
    if (!this.channel.write(out) && !this.waitingForDrain) {
      // A slow client slows the server down instead of filling our memory.
      this.waitingForDrain = true;
      this.upstream.pause();
      this.channel.socket.once('drain', () => {
        this.waitingForDrain = false;
        if (!this.held) this.upstream.resume();
      });
    }
    return true;
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
    const fields = decodeRowDescription(frame.frame);
    if (isProtocolViolation(fields)) return false; // the tracker's decode reports it
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
    this.channel.socket.cork();
    this.relayFrame(frame);
    this.channel.socket.uncork();
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
    if (!this.waitingForDrain) this.upstream.resume();
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
