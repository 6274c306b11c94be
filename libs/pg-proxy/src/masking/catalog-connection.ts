import { PortcullisError, ErrorCode } from '@portcullis/events';
import { decodeNoticeFields } from '../protocol/backend-decoders.js';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { frontend } from '../protocol/index.js';
import { BackendCode } from '../protocol/message-codes.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { decodeDataRow } from '../protocol/row-decoder.js';
import type { UpstreamSession } from '../upstream/upstream-auth.js';

const QUERY_TIMEOUT_MS = 5_000;

export class CatalogUnavailableError extends PortcullisError {
  constructor(detail: string) {
    super(ErrorCode.Unavailable, `catalog lookup failed: ${detail}`);
  }
}

/**
 * The proxy's own second upstream session, used only to read the catalog
 * (pg_class, pg_attribute, view definitions) while results of the client's
 * session are held back. Queries on the client's own connection would
 * interleave with its pipeline and transaction state; a session of our own
 * never does. It sees only committed catalog rows: a relation created in the
 * client's open transaction is not found (and its columns are masked whole).
 *
 * Queries are fixed text with integer or escaped literal values, one at a
 * time; rows come back as text.
 */
export class CatalogConnection {
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

  private constructor(private readonly session: UpstreamSession) {
    session.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    session.socket.on('error', () => undefined);
    session.socket.on('close', () => {
      this.closed = true;
      for (const listener of this.closeListeners) listener();
      this.pending?.reject(new CatalogUnavailableError('connection closed'));
      this.pending = undefined;
    });
    session.socket.resume();
  }

  static async open(connect: () => Promise<UpstreamSession>): Promise<CatalogConnection> {
    const connection = new CatalogConnection(await connect());
    // Read only, and an empty search_path so view definitions come back fully qualified.
    await connection.query(
      "SET default_transaction_read_only = on; SET search_path = ''; SET standard_conforming_strings = on",
    );
    return connection;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  query(sql: string): Promise<(string | null)[][]> {
    const run = () =>
      new Promise<(string | null)[][]>((resolve, reject) => {
        if (this.closed) return reject(new CatalogUnavailableError('connection closed'));
        const timer = setTimeout(() => {
          this.close();
          reject(new CatalogUnavailableError('timed out'));
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
          if (pending.error !== undefined) pending.reject(new CatalogUnavailableError(pending.error));
          else pending.resolve(pending.rows);
          return true;
        default:
          return true;
      }
    });
  }

  private fail(detail: string): void {
    this.pending?.reject(new CatalogUnavailableError(detail));
    this.pending = undefined;
    this.close();
  }
}
