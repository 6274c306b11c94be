import { PortcullisError, ErrorCode } from '@portcullis/events';
import { decodeNoticeFields } from '../protocol/backend-decoders.js';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { frontend } from '../protocol/index.js';
import { BackendCode } from '../protocol/message-codes.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { decodeDataRow } from '../protocol/row-decoder.js';
import type { UpstreamSession } from './upstream-auth.js';

const QUERY_TIMEOUT_MS = 5_000;

/** A query of the proxy's own failed: the server's SQLSTATE and message, or why there was no answer. */
export class UpstreamQueryError extends PortcullisError {
  constructor(what: string, detail: string) {
    super(ErrorCode.Unavailable, `${what} failed: ${detail}`);
  }
}

/**
 * An upstream session of the proxy's own, with its administrative
 * credentials, never the client's: the catalog lookups behind result masking
 * (masking/session-masking.ts) and the ephemeral roles of sessions
 * (credentials/ephemeral-role.ts). Queries on the client's own connection
 * would interleave with its pipeline and transaction state; a session of our
 * own never does.
 *
 * Queries are fixed text with integer or escaped literal values, one at a
 * time (simple protocol: several statements in one text run in one implicit
 * transaction); rows come back as text.
 */
export class QueryConnection {
  private readonly reader = new BackendFrameReader();
  private chain: Promise<unknown> = Promise.resolve();
  private pending:
    | {
        rows: (string | null)[][];
        error?: string;
        resolve: (rows: (string | null)[][]) => void;
        reject: (e: Error) => void;
      }
    | undefined;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  private constructor(
    private readonly session: UpstreamSession,
    private readonly what: string,
  ) {
    session.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    session.socket.on('error', () => undefined);
    session.socket.on('close', () => {
      this.closed = true;
      for (const listener of this.closeListeners) listener();
      this.pending?.reject(this.error('connection closed'));
      this.pending = undefined;
    });
    session.socket.resume();
  }

  /** `what` names the connection's purpose in its errors ("catalog lookup"); `setup` runs first. */
  static async open(
    connect: () => Promise<UpstreamSession>,
    what: string,
    setup?: string,
  ): Promise<QueryConnection> {
    const connection = new QueryConnection(await connect(), what);
    try {
      if (setup !== undefined) await connection.query(setup);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  query(sql: string): Promise<(string | null)[][]> {
    const run = () =>
      new Promise<(string | null)[][]>((resolve, reject) => {
        if (this.closed) return reject(this.error('connection closed'));
        const timer = setTimeout(() => {
          this.close();
          reject(this.error('timed out'));
        }, QUERY_TIMEOUT_MS);
        this.pending = {
          rows: [],
          resolve: (rows) => (clearTimeout(timer), resolve(rows)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        this.session.socket.write(frontend.query(sql));
      });
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.socket.end(frontend.terminate());
    this.session.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.reader.read(chunk, (frame) => {
      if (isProtocolViolation(frame)) {
        this.fail(frame.message);
        return false;
      }
      const pending = this.pending;
      if (!pending) return true;
      switch (frame.code) {
        case BackendCode.DataRow: {
          const values = decodeDataRow(frame.frame);
          if (isProtocolViolation(values)) {
            this.fail(values.message);
            return false;
          }
          pending.rows.push(values.map((v) => (v === null ? null : v.toString('utf8'))));
          return true;
        }
        case BackendCode.ErrorResponse: {
          const fields = decodeNoticeFields(frame.frame);
          pending.error = isProtocolViolation(fields) ? 'error' : `${fields.C ?? ''} ${fields.M ?? ''}`;
          return true;
        }
        case BackendCode.ReadyForQuery:
          this.pending = undefined;
          if (pending.error !== undefined) pending.reject(this.error(pending.error));
          else pending.resolve(pending.rows);
          return true;
        default:
          return true;
      }
    });
  }

  private error(detail: string): UpstreamQueryError {
    return new UpstreamQueryError(this.what, detail);
  }

  private fail(detail: string): void {
    this.pending?.reject(this.error(detail));
    this.pending = undefined;
    this.close();
  }
}
