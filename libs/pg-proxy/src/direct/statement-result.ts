/** One statement's result as a front end without a PostgreSQL wire (MCP) hands it to its client. */
export interface StatementResult {
  /** The columns of the last row-returning statement, as described (masked columns become `text`). */
  readonly columns: readonly { readonly name: string; readonly typeOid: number }[];
  /** Its rows as text values (NULL as null), masked, at most the row limit. */
  readonly rows: readonly (readonly (string | null)[])[];
  /** How many rows the server returned (all of them, also those cut off). */
  readonly rowCount: number;
  /** Rows were cut off by the row limit or the result size limit. */
  readonly truncated: boolean;
  /** The command tags of the statements that completed (`SELECT 3`, `DELETE 2`). */
  readonly commandTags: readonly string[];
  /** The columns masked (names only, never values), as ResultMasked records them. */
  readonly maskedColumns: readonly string[];
  /** The server's error (SQLSTATE and message, masked like an ErrorResponse), when the statement failed. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** Bounds on what one statement's result may carry back. */
export interface ResultLimits {
  readonly maxRows: number;
  /** Sum of the returned values' UTF-8 length. */
  readonly maxBytes: number;
}
