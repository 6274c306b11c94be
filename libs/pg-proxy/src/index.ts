/**
 * @portcullis/pg-proxy — the PostgreSQL v3 wire protocol as the Portcullis
 * proxy speaks it (https://www.postgresql.org/docs/current/protocol.html):
 *
 *   client                    proxy                     server
 *     │ SSLRequest ─────────────▶│                          │
 *     │◀──────────────── S / N   │                          │
 *     │ StartupMessage ─────────▶│ (upstream: authenticateUpstream)
 *     │◀── Authentication… ──────│                          │
 *     │◀── ParameterStatus* ─────│                          │
 *     │◀── BackendKeyData ───────│                          │
 *     │◀── ReadyForQuery ────────│                          │
 *     │ Query / Parse Bind Describe Execute Sync ─▶ decide ─▶ forward frame
 *
 * Rooms, in the order a connection meets them:
 * - `protocol/` frames, parses and writes messages (no I/O);
 * - `listener/` accepts connections (caps, TLS, cancel keys) and starts one
 *   connection handler each;
 * - `connection/` takes a connection from startup to a ready session, as
 *   named steps (handle-connection.ts), and opens it in the session core;
 * - `upstream/` opens the proxy's own authenticated session on the server;
 * - `relay/` relays both ways and tracks what the server owes (SessionRelay,
 *   ResponseTracker);
 * - `statements/` decides and runs each statement (simple and extended
 *   protocol, approvals) on the session core's verdict and ledger;
 * - `masking/` masks results, COPY rows and error fields;
 * - `direct/` runs decided statements for front ends without a PostgreSQL
 *   wire (MCP), through the same decision, ledger and masking.
 * README.md draws the full sequences.
 */
export * from './protocol/index.js';
export * from './upstream/index.js';
export { startPgProxy, PgProxyConfigError, type PgProxy } from './listener/pg-proxy-server.js';
export type { PgProxyOptions, ProxyTarget, UpstreamTarget, ProxyLogger } from './listener/proxy-options.js';
export type { UpstreamCredentialMode, UpstreamCredentialOptions } from './credentials/credential-options.js';
export { DEFAULT_MAX_SESSION_SECONDS } from './credentials/credential-options.js';
export { checkCredentialRights } from './credentials/session-upstream.js';
export { SessionRefusal } from './connection/session-refusal.js';
export { POISON_SQL } from './statements/poison-statement.js';
export { DEFAULT_STARTUP_TIMEOUT_MS } from './connection/handle-connection.js';
export { DEFAULT_IDLE_TIMEOUT_SECONDS } from './connection/session-timeouts.js';
export { connectUpstream as connectPostgresUpstream } from './connection/connect-upstream.js';
export {
  StatementSession,
  StatementSessionEnded,
  type StatementSessionOptions,
} from './direct/statement-session.js';
export type { StatementResult, ResultLimits } from './direct/statement-result.js';
export type { StatementDecision } from './statements/decide-statement.js';
export { CatalogEpoch } from './masking/catalog-epoch.js';
