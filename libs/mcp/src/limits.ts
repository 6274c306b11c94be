/** What one MCP agent may hold and get back; `mcp:` in portcullis.yaml (docs/mcp.md). */
export interface McpLimits {
  /** MCP sessions one identity (issuer + subject) may hold at once; past it, initialize is refused (429). */
  readonly maxSessionsPerIdentity: number;
  /** An MCP session without a request for this long is closed, with its database and host sessions. */
  readonly idleTimeoutSeconds: number;
  /** Rows a `query` returns at most (the tool's `rowLimit` can only lower it). */
  readonly maxRows: number;
  /** UTF-8 bytes of values a `query` returns at most; past it the rows are cut (`truncated`). */
  readonly maxResultBytes: number;
  /** Bytes of stdout and of stderr an `exec` returns at most, each. */
  readonly maxOutputBytes: number;
  /** The longest one `await_approval` call waits (the tool's `waitSeconds` can only lower it). */
  readonly maxApprovalWaitSeconds: number;
  /** The longest one `exec` runs; past it the command is stopped and the tool answers a timeout error. */
  readonly execTimeoutSeconds: number;
}

export const DEFAULT_MCP_LIMITS: McpLimits = {
  maxSessionsPerIdentity: 4,
  idleTimeoutSeconds: 900,
  maxRows: 1_000,
  maxResultBytes: 1_048_576,
  maxOutputBytes: 65_536,
  maxApprovalWaitSeconds: 60,
  execTimeoutSeconds: 300,
};
