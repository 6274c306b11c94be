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
 * Layers: `protocol/` frames, parses and writes messages (no I/O);
 * `upstream/` opens the proxy's own authenticated session on the server.
 * README.md draws the full sequences.
 */
export * from './protocol/index.js';
export * from './upstream/index.js';
export * from './proxy/index.js';
