/**
 * What the SQL operations need from a database: run a parameterised query,
 * run a transaction, run a script, and hear notifications. PGlite (embedded)
 * and node-postgres (a real server) both provide it, so the event store's SQL
 * is written once and runs on both.
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>;
  /**
   * Sends a multi-statement script as one simple-query message (one round
   * trip; one implicit transaction unless the script controls transactions).
   * Returns each statement's rows.
   */
  exec<Row = Record<string, unknown>>(script: string): Promise<{ rows: Row[] }[]>;
}

export interface SqlDatabase extends SqlExecutor {
  /** e.g. `pglite ./data` or `postgres 127.0.0.1:5432/portcullis` (never credentials). */
  readonly description: string;
  /** How many transactions may usefully run at once (1 for PGlite). */
  readonly maxConcurrentTransactions: number;
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotify` for each notification on `channel`; returns an unsubscribe. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
