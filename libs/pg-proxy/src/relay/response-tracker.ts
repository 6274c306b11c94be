import { denied } from '@portcullis/session';
import { backend } from '../protocol/index.js';
import {
  decodeCommandComplete,
  decodeNoticeFields,
  decodeParameterStatus,
  decodeReadyForQuery,
} from '../protocol/backend-decoders.js';
import type { TransactionStatus } from '../protocol/backend-messages.js';
import { BackendCode } from '../protocol/message-codes.js';
import type { BackendFrame } from '../protocol/messages.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { decodeRowDescription } from '../protocol/row-decoder.js';
import { recordRow, type RowRecording } from '../masking/result-rows.js';
import type { CommandMasking } from '../masking/result-masking.js';
import { SqlState } from '../connection/session-refusal.js';

/** A forwarded command waiting for its outcome (CommandCompleted). */
export interface TrackedCommand {
  readonly sequence: number;
  readonly startedAt: bigint;
  rows: number | null;
  tag?: string;
  error?: { code: string; message: string };
  /** Set when the command's results are masked (result-masking.ts). */
  masking?: CommandMasking;
  /** Set when the target records result rows (result-rows.ts). */
  recording?: RowRecording;
}

/**
 * What the server owes us for each message we forwarded, in order. The
 * server answers strictly in order, so the head of this queue says what the
 * next reply belongs to. `refusal` marks the poison statement sent in place
 * of a refused one (poison-statement.ts): its error becomes our denial.
 */
export type Expectation =
  | { readonly kind: 'query'; readonly command?: TrackedCommand; readonly refusal?: string }
  | { readonly kind: 'execute'; readonly command: TrackedCommand }
  | { readonly kind: 'parse'; readonly onFailure: () => void }
  | { readonly kind: 'refused'; readonly refusal: string }
  | { readonly kind: 'bind' | 'close' | 'sync' }
  | { readonly kind: 'describe'; readonly target: 'statement' | 'portal' }
  /** The proxy's own Describe(portal) before a masked Execute: its reply is for us, not the client. */
  | { readonly kind: 'rowLayout'; readonly command: TrackedCommand }
  /**
   * The proxy's own Parse/Describe/Close of the sources of a masked command's
   * COPY … TO statements, then Sync (masking-messages.ts): every reply, up to
   * and including the ReadyForQuery, is for us.
   */
  | CopyLayoutExpectation;

export interface CopyLayoutExpectation {
  readonly kind: 'copyLayout';
  readonly command: TrackedCommand;
  /** Statement indexes of the COPYs, in the order they were described. */
  readonly statements: readonly number[];
  /** How many layouts have arrived. */
  answered: number;
}

export interface ResponseEvents {
  completed(command: TrackedCommand): void;
  /** The server said something the proxy must not relay; the session ends. */
  fault(detail: string): void;
  /** A RowDescription of a masked command: sets up its row masking, returns what to relay (null: fault). */
  describeRows(command: TrackedCommand, frame: Buffer): Buffer | null;
  /** A statement that may change relation or column names completed. */
  catalogChanged(): void;
  /** A CopyOutResponse of a masked command: sets up its copy masking, returns what to relay (null: fault). */
  copyOut(command: TrackedCommand, frame: Buffer): Buffer | null;
  /** An ErrorResponse or NoticeResponse of a masked command: the frame to relay (null: fault). */
  maskMessage(command: TrackedCommand, frame: Buffer): Buffer | null;
}

/** Command tags after which cached catalog names may be stale. */
const CATALOG_TAGS = /^(CREATE|ALTER|DROP|COMMENT|SECURITY LABEL|IMPORT FOREIGN SCHEMA)\b/;

/** The error a client gets for a refused statement (docs/architecture.md "Wire contract"). */
export function denialResponse(refusal: string): Buffer {
  return backend.errorResponse({
    severity: 'ERROR',
    code: SqlState.InsufficientPrivilege,
    message: denied(refusal),
  });
}

/**
 * Server → client: frames are relayed unchanged except the poison's error,
 * while the tracker follows transaction status, COPY IN state and each
 * command's outcome.
 */
export class ResponseTracker {
  private readonly expected: Expectation[] = [];
  /** The upstream's last ReadyForQuery status. */
  status: TransactionStatus = 'I';
  /** The upstream waits for CopyData from the client (after an allowed COPY FROM STDIN). */
  copyIn = false;
  /** Set by an extended-protocol error: the server ignores everything up to the next Sync. */
  private skipCause: { code: string; message: string } | undefined;
  /** The server's own FATAL (or PANIC), relayed as it was: the client has its last word already. */
  upstreamFatal: { code: string; message: string } | undefined;

  constructor(private readonly events: ResponseEvents) {}

  /** The command whose RowDescription the server sends next, when that result is masked. */
  get maskedRowsCommand(): TrackedCommand | undefined {
    const head = this.expected[0];
    if (head?.kind === 'rowLayout') return head.command;
    if (head?.kind === 'query' && head.command?.masking) return head.command;
    return undefined;
  }

  /** The command the server is working on, whose messages it is sending now. */
  private get runningCommand(): TrackedCommand | undefined {
    const head = this.expected[0];
    if (head === undefined) return undefined;
    return 'command' in head ? head.command : undefined;
  }

  /** A notice or error of a masked command goes through its masking; everything else as it is. */
  private message(command: TrackedCommand | undefined, frame: Buffer): Buffer | null {
    return command?.masking ? this.events.maskMessage(command, frame) : frame;
  }

  /** Nothing forwarded is still unanswered: a reply of ours cannot overtake the server's. */
  get quiet(): boolean {
    return this.expected.length === 0;
  }

  /**
   * The next command starts a new implicit transaction: the server is idle
   * outside a transaction block and owes nothing but the replies of Parse,
   * Bind, Describe or Close (which run nothing). A refusal there leaves no
   * transaction state for the client to be told about.
   */
  get atTransactionStart(): boolean {
    return (
      this.status === 'I' &&
      this.skipCause === undefined &&
      !this.copyIn &&
      this.expected.every(
        (e) => e.kind === 'parse' || e.kind === 'bind' || e.kind === 'describe' || e.kind === 'close',
      )
    );
  }

  /** Quiet, and not skipping to a Sync after an error: messages of ours mean what they say. */
  get settled(): boolean {
    return this.quiet && this.skipCause === undefined;
  }

  expect(expectation: Expectation): void {
    // Sent after the server failed and before any Sync reached it: the server ignores it.
    if (this.skipCause && expectation.kind !== 'sync' && !this.expected.some((e) => e.kind === 'sync')) {
      this.skipped(expectation, this.skipCause);
      return;
    }
    this.expected.push(expectation);
  }

  /** The bytes to relay for this frame: itself, our replacement, or null to drop it. */
  onFrame(frame: BackendFrame): Buffer | null {
    const out = this.reply(frame);
    if (frame.code === BackendCode.ErrorResponse && out === frame.frame) this.noteFatal(frame.frame);
    return out;
  }

  /**
   * The server closed the connection: every command still owed an answer is
   * over, with the server's FATAL as its error when it sent one (e.g. 57P01
   * after pg_terminate_backend), else `cause`. Nothing more will come for them.
   */
  cutOff(cause: { code: string; message: string }): void {
    const error = this.upstreamFatal ?? cause;
    for (const expectation of this.expected.splice(0)) {
      if (expectation.kind !== 'execute' && expectation.kind !== 'query') continue;
      if (!expectation.command) continue;
      expectation.command.error ??= error;
      this.events.completed(expectation.command);
    }
  }

  private noteFatal(frame: Buffer): void {
    const fields = decodeNoticeFields(frame);
    if (isProtocolViolation(fields)) return;
    // V is the untranslated severity (PostgreSQL 9.6+); S may be localized.
    const severity = fields.V ?? fields.S;
    if (severity === 'FATAL' || severity === 'PANIC') this.upstreamFatal = errorOf(frame);
  }

  private reply(frame: BackendFrame): Buffer | null {
    switch (frame.code) {
      case BackendCode.NoticeResponse:
        return this.message(this.runningCommand, frame.frame);
      case BackendCode.NotificationResponse:
        return frame.frame;
      case BackendCode.ParameterStatus:
        return this.parameterStatus(frame.frame);
      case BackendCode.Authentication:
      case BackendCode.BackendKeyData:
      case BackendCode.NegotiateProtocolVersion:
      case BackendCode.CopyBothResponse:
      case BackendCode.FunctionCallResponse:
        return this.fault(`unexpected server message 0x${frame.code.toString(16)} in a session`);
    }
    const head = this.expected[0];
    // Unsolicited: a FATAL error before the server closes (admin shutdown, idle timeout).
    if (head === undefined) return frame.frame;
    switch (head.kind) {
      case 'query':
        return this.queryReply(head, frame);
      case 'execute':
        return this.executeReply(head.command, frame);
      case 'parse':
        return this.simpleReply(frame, BackendCode.ParseComplete, head.onFailure);
      case 'bind':
        return this.simpleReply(frame, BackendCode.BindComplete);
      case 'close':
        return this.simpleReply(frame, BackendCode.CloseComplete);
      case 'describe':
        if (frame.code === BackendCode.ParameterDescription && head.target === 'statement')
          return frame.frame;
        if (frame.code === BackendCode.RowDescription || frame.code === BackendCode.NoData) {
          this.expected.shift();
          return frame.frame;
        }
        return this.simpleReply(frame, -1);
      case 'rowLayout':
        return this.rowLayoutReply(head.command, frame);
      case 'copyLayout':
        return this.copyLayoutReply(head, frame);
      case 'refused':
        if (frame.code !== BackendCode.ErrorResponse) return this.fault('the poison statement did not fail');
        this.expected.shift();
        this.skipToSync(frame.frame);
        return denialResponse(head.refusal);
      case 'sync':
        if (frame.code === BackendCode.ReadyForQuery) {
          this.expected.shift();
          this.skipCause = undefined;
          return this.readyForQuery(frame.frame);
        }
        return frame.frame;
    }
  }

  private queryReply(head: Extract<Expectation, { kind: 'query' }>, frame: BackendFrame): Buffer | null {
    const command = head.command;
    switch (frame.code) {
      case BackendCode.RowDescription:
        return command?.masking ? this.events.describeRows(command, frame.frame) : frame.frame;
      case BackendCode.DataRow:
        return command ? this.maskRow(command, frame.frame) : frame.frame;
      case BackendCode.CommandComplete:
        if (command) countRows(command, frame.frame);
        this.resultEnded(command, frame.frame);
        return frame.frame;
      case BackendCode.EmptyQueryResponse:
        this.resultEnded(command);
        return frame.frame;
      case BackendCode.CopyInResponse:
        this.copyIn = true;
        return frame.frame;
      case BackendCode.CopyOutResponse:
      case BackendCode.CopyData:
      case BackendCode.CopyDone:
        return command ? this.copyReply(command, frame) : frame.frame;
      case BackendCode.ErrorResponse: {
        this.copyIn = false;
        if (head.refusal !== undefined) {
          if (command) command.error = errorOf(frame.frame);
          return denialResponse(head.refusal);
        }
        const relayed = this.message(command, frame.frame);
        // The audit keeps what the client got: masked, never the server's raw text.
        if (command && relayed) command.error = errorOf(relayed);
        return relayed;
      }
      case BackendCode.ReadyForQuery:
        this.expected.shift();
        this.copyIn = false;
        if (command) this.events.completed(command);
        return this.readyForQuery(frame.frame);
      default:
        return frame.frame;
    }
  }

  private executeReply(command: TrackedCommand, frame: BackendFrame): Buffer | null {
    switch (frame.code) {
      case BackendCode.DataRow:
        return this.maskRow(command, frame.frame);
      case BackendCode.CommandComplete:
        countRows(command, frame.frame);
        this.resultEnded(command, frame.frame);
        return this.finishExecute(command, frame.frame);
      case BackendCode.EmptyQueryResponse:
      case BackendCode.PortalSuspended:
        return this.finishExecute(command, frame.frame);
      case BackendCode.CopyInResponse:
        this.copyIn = true;
        return frame.frame;
      case BackendCode.CopyOutResponse:
      case BackendCode.CopyData:
      case BackendCode.CopyDone:
        return this.copyReply(command, frame);
      case BackendCode.ErrorResponse: {
        const relayed = this.message(command, frame.frame);
        if (relayed === null) return null;
        // The audit keeps what the client got: masked, never the server's raw text.
        command.error = errorOf(relayed);
        this.finishExecute(command, relayed);
        this.skipToSync(relayed);
        return relayed;
      }
      default:
        return frame.frame;
    }
  }

  private rowLayoutReply(command: TrackedCommand, frame: BackendFrame): Buffer | null {
    switch (frame.code) {
      case BackendCode.RowDescription:
        this.expected.shift();
        this.events.describeRows(command, frame.frame);
        return null;
      case BackendCode.NoData:
        this.expected.shift();
        return null;
      default:
        return this.simpleReply(frame, -1);
    }
  }

  /** COPY … TO of a masked command: its rows go through the copy masker; unmasked commands' are relayed. */
  private copyReply(command: TrackedCommand, frame: BackendFrame): Buffer | null {
    const masking = command.masking;
    if (!masking) return frame.frame;
    switch (frame.code) {
      case BackendCode.CopyOutResponse:
        return this.events.copyOut(command, frame.frame);
      case BackendCode.CopyData: {
        const copy = masking.copy;
        if (copy === undefined) return this.fault('CopyData before CopyOutResponse');
        if (copy === null) return frame.frame; // nothing in this COPY needs masking
        // CopyData: 'd', int32 length, the bytes.
        const data = frame.frame.subarray(5);
        const masked = copy.mask(data);
        if (isProtocolViolation(masked)) return this.fault(`upstream: ${masked.message}`);
        if (masked === null) return null;
        return masked === data ? frame.frame : backend.copyData(masked);
      }
      default:
        if (masking.copy?.incomplete) return this.fault('COPY ended in the middle of a row');
        return frame.frame;
    }
  }

  /** Our Parse/Describe/Close/Sync of COPY sources: the layouts are kept, every reply dropped. */
  private copyLayoutReply(head: CopyLayoutExpectation, frame: BackendFrame): Buffer | null {
    const layouts = (head.command.masking!.copyLayouts ??= new Map());
    const statement = head.statements[head.answered];
    switch (frame.code) {
      case BackendCode.RowDescription: {
        const fields = decodeRowDescription(frame.frame);
        if (isProtocolViolation(fields)) return this.fault(`upstream: ${fields.message}`);
        if (statement !== undefined) layouts.set(statement, fields);
        head.answered++;
        return null;
      }
      case BackendCode.NoData:
        if (statement !== undefined) layouts.set(statement, null);
        head.answered++;
        return null;
      case BackendCode.ErrorResponse:
        // The server skips to our Sync; the COPYs not described are masked whole.
        head.answered = head.statements.length;
        return null;
      case BackendCode.ReadyForQuery:
        this.expected.shift();
        // The status is the server's truth; the message itself was ours to consume.
        this.readyForQuery(frame.frame);
        return null;
      default:
        return null; // ParseComplete, ParameterDescription, CloseComplete
    }
  }

  /** DataRows of a masked result go through its RowMasker; all others are relayed as they are. */
  private maskRow(command: TrackedCommand, frame: Buffer): Buffer | null {
    const rows = command.masking?.rows;
    const masked = rows ? rows.mask(frame) : frame;
    if (isProtocolViolation(masked)) return this.fault(`upstream: ${masked.message}`);
    // Recorded as the client gets it: after masking.
    recordRow(command.recording, masked);
    return masked;
  }

  /** One statement's result is over: the next RowDescription belongs to the next statement. */
  private resultEnded(command: TrackedCommand | undefined, completeFrame?: Buffer): void {
    if (command?.masking) {
      command.masking.statement++;
      command.masking.rows = null;
      delete command.masking.copy;
    }
    if (completeFrame) {
      const tag = decodeCommandComplete(completeFrame);
      if (!isProtocolViolation(tag) && CATALOG_TAGS.test(tag)) this.events.catalogChanged();
    }
  }

  private finishExecute(command: TrackedCommand, frame: Buffer): Buffer {
    this.expected.shift();
    this.copyIn = false;
    this.events.completed(command);
    return frame;
  }

  /** A reply that is one message (or an error): ParseComplete, BindComplete, CloseComplete. */
  private simpleReply(frame: BackendFrame, success: number, onFailure?: () => void): Buffer | null {
    if (frame.code === success) {
      this.expected.shift();
    } else if (frame.code === BackendCode.ErrorResponse) {
      this.expected.shift();
      onFailure?.();
      this.skipToSync(frame.frame);
    }
    return frame.frame;
  }

  /**
   * After an error in the extended protocol the server ignores every message
   * up to Sync: so do we. Statements whose Parse it skipped were never
   * created; commands it skipped never ran.
   */
  private skipToSync(errorFrame: Buffer): void {
    const cause = errorOf(errorFrame);
    this.skipCause = cause;
    while (this.expected.length > 0 && this.expected[0]!.kind !== 'sync') {
      this.skipped(this.expected.shift()!, cause);
    }
  }

  private skipped(expectation: Expectation, cause: { code: string; message: string }): void {
    if (expectation.kind === 'parse') expectation.onFailure();
    if ((expectation.kind === 'execute' || expectation.kind === 'query') && expectation.command) {
      expectation.command.error = { code: cause.code, message: `not executed: ${cause.message}` };
      this.events.completed(expectation.command);
    }
  }

  private readyForQuery(frame: Buffer): Buffer | null {
    const status = decodeReadyForQuery(frame);
    if (isProtocolViolation(status)) return this.fault(status.message);
    this.status = status;
    return frame;
  }

  private parameterStatus(frame: Buffer): Buffer | null {
    const parameter = decodeParameterStatus(frame);
    if (isProtocolViolation(parameter)) return this.fault(parameter.message);
    // The proxy decides on text it decoded as UTF-8; any other client encoding
    // would let the server read different statements than the ones decided.
    if (parameter.name === 'client_encoding' && parameter.value.toUpperCase() !== 'UTF8') {
      return this.fault(`client_encoding changed to ${parameter.value}`);
    }
    return frame;
  }

  private fault(detail: string): null {
    this.events.fault(detail);
    return null;
  }
}

function countRows(command: TrackedCommand, frame: Buffer): void {
  const tag = decodeCommandComplete(frame);
  if (isProtocolViolation(tag)) return;
  command.tag = tag;
  const last = tag.slice(tag.lastIndexOf(' ') + 1);
  if (/^\d+$/.test(last)) command.rows = (command.rows ?? 0) + Number(last);
}

function errorOf(frame: Buffer): { code: string; message: string } {
  const fields = decodeNoticeFields(frame);
  if (isProtocolViolation(fields)) return { code: SqlState.InternalError, message: 'unreadable error' };
  return { code: fields.C ?? SqlState.InternalError, message: fields.M ?? '' };
}
