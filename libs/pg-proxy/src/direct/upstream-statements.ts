import type { Duplex } from 'node:stream';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import {
  decodeCommandComplete,
  decodeNoticeFields,
  decodeReadyForQuery,
} from '../protocol/backend-decoders.js';
import { frontend } from '../protocol/index.js';
import { BackendCode } from '../protocol/message-codes.js';
import type { BackendFrame, RowField } from '../protocol/index.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { decodeDataRow, decodeRowDescription } from '../protocol/row-decoder.js';
import { maskErrorFields } from '../masking/error-field-masking.js';
import type { MaskingPlan } from '../masking/masking-plan.js';
import type { CommandMasking, ResultMasking } from '../masking/result-masking.js';
import type { UpstreamSession } from '../upstream/upstream-auth.js';
import type { ResultLimits, StatementResult } from './statement-result.js';

/** Frames queued past this pause the upstream until the masking (a catalog lookup) caught up. */
const HIGH_WATER_FRAMES = 1_000;
const CATALOG_TAGS = /^(CREATE|ALTER|DROP|COMMENT|SECURITY LABEL|IMPORT FOREIGN SCHEMA)\b/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A statement's outcome as the ledger records it (CommandCompleted, ResultMasked). */
export interface RanStatement {
  readonly result: StatementResult;
  readonly masking: CommandMasking | undefined;
}

/**
 * The proxy's upstream session driven by the proxy itself, for front ends
 * that hand results to their client as values rather than as wire frames
 * (MCP): one decided simple Query at a time, its results through the same
 * ResultMasking as the wire relay (RowDescription → per-column actions,
 * DataRow values masked, ErrorResponse fields masked), kept within the
 * result limits. Frames are processed in order; a RowDescription whose
 * relations the catalog cache does not know waits for the catalog, with the
 * upstream paused past HIGH_WATER_FRAMES.
 */
export class UpstreamStatements {
  private readonly reader = new BackendFrameReader();
  private readonly socket: Duplex;
  private queue: BackendFrame[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private busy = false;

  constructor(readonly session: UpstreamSession) {
    this.socket = session.socket;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error: Error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the database server closed the connection')));
    this.socket.resume();
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  close(): void {
    if (this.failure) return;
    this.failure = new Error('session closed');
    this.socket.end(frontend.terminate());
    this.socket.destroy();
  }

  /**
   * Runs one decided text, as a simple Query, or with `parameters` as one
   * extended-protocol statement (text parameters); `masking` is the
   * session's ResultMasking, `plan` the decision's.
   */
  async run(
    sql: string,
    masking: ResultMasking,
    plan: MaskingPlan,
    limits: ResultLimits,
    parameters?: readonly (string | null)[],
  ): Promise<RanStatement> {
    if (this.busy) throw new Error('a statement is already running on this session');
    if (this.failure) throw this.failure;
    this.busy = true;
    try {
      this.socket.write(
        parameters === undefined ? frontend.query(sql) : frontend.extendedQuery(sql, parameters),
      );
      return await this.collect(masking, plan.active ? masking.begin(plan) : undefined, limits);
    } finally {
      this.busy = false;
    }
  }

  private async collect(
    masking: ResultMasking,
    command: CommandMasking | undefined,
    limits: ResultLimits,
  ): Promise<RanStatement> {
    let columns: { name: string; typeOid: number }[] = [];
    let rows: (string | null)[][] = [];
    let rowCount = 0;
    let bytes = 0;
    let truncated = false;
    let error: { code: string; message: string } | undefined;
    const commandTags: string[] = [];
    for (;;) {
      const { code, frame } = await this.next();
      switch (code) {
        case BackendCode.RowDescription: {
          let fields: RowField[] | ReturnType<typeof decodeRowDescription> = decodeRowDescription(frame);
          if (isProtocolViolation(fields)) throw this.violation(fields.message);
          if (command) {
            // A catalog that cannot be read leaves the unknown columns masked whole (result-masking.ts).
            await masking.load(command, fields).catch(() => undefined);
            fields = masking.describe(command, fields);
          }
          columns = fields.map((f) => ({ name: f.name, typeOid: f.typeOid }));
          rows = [];
          rowCount = 0;
          break;
        }
        case BackendCode.DataRow: {
          rowCount++;
          if (truncated || rows.length >= limits.maxRows) {
            truncated = true;
            break;
          }
          const values = decodeDataRow(frame);
          if (isProtocolViolation(values)) throw this.violation(values.message);
          command?.rows?.maskValues(values);
          const row = values.map((v) => (v === null ? null : asText(v)));
          bytes += row.reduce((n, v) => n + (v === null ? 0 : Buffer.byteLength(v)), 0);
          if (bytes > limits.maxBytes) truncated = true;
          else rows.push(row);
          break;
        }
        case BackendCode.CommandComplete: {
          const tag = decodeCommandComplete(frame);
          if (!isProtocolViolation(tag)) {
            commandTags.push(tag);
            if (CATALOG_TAGS.test(tag)) masking.catalogChanged();
          }
          if (command) {
            command.statement++;
            command.rows = null;
          }
          break;
        }
        case BackendCode.ErrorResponse: {
          const masked = command ? maskErrorFields(masking, command, frame) : frame;
          const fields = decodeNoticeFields(isProtocolViolation(masked) ? frame : masked);
          if (isProtocolViolation(masked) || isProtocolViolation(fields))
            throw this.violation('ErrorResponse');
          error = { code: fields.C ?? 'XX000', message: fields.M ?? 'error' };
          break;
        }
        case BackendCode.CopyInResponse:
          // Nothing to feed it with: the server fails the COPY and answers ReadyForQuery.
          this.socket.write(frontend.copyFail('COPY FROM STDIN is not supported through this front end'));
          break;
        case BackendCode.CopyOutResponse:
          error ??= {
            code: '0A000',
            message: 'COPY TO STDOUT output is not returned through this front end',
          };
          break;
        case BackendCode.ReadyForQuery: {
          const status = decodeReadyForQuery(frame);
          if (!isProtocolViolation(status) && status === 'I') masking.transactionEnded();
          const result: StatementResult = {
            columns,
            rows,
            rowCount,
            truncated,
            commandTags,
            maskedColumns: command ? [...new Set(command.report.toMaskedColumns().map((c) => c.column))] : [],
            ...(error ? { error } : {}),
          };
          return { result, masking: command };
        }
        default:
          // CopyData of a refused COPY TO, notices, parameter changes: nothing the client gets.
          break;
      }
    }
  }

  private next(): Promise<BackendFrame> {
    const frame = this.queue.shift();
    if (frame) {
      if (this.queue.length < HIGH_WATER_FRAMES / 2 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(frame);
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve) => (this.wake = resolve)).then(() => this.next());
  }

  private onData(chunk: Buffer): void {
    this.reader.read(chunk, (frame) => {
      if (isProtocolViolation(frame)) {
        this.fail(this.violation(frame.message));
        return false;
      }
      this.queue.push(frame);
      return true;
    });
    if (this.queue.length > HIGH_WATER_FRAMES) this.socket.pause();
    this.signal();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private violation(detail: string): Error {
    const error = new Error(`the database server broke the protocol: ${detail}`);
    this.close();
    return error;
  }
}

/** Text values as text; anything not UTF-8 as `\x` hex, as PostgreSQL prints bytea. */
function asText(value: Buffer): string {
  try {
    return utf8.decode(value);
  } catch {
    return `\\x${value.toString('hex')}`;
  }
}
