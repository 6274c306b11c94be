export { startPgProxy, PgProxyConfigError, type PgProxy } from './pg-proxy-server.js';
export type { PgProxyOptions, ProxyTarget, UpstreamTarget, ProxyLogger } from './proxy-options.js';
export { SessionRefusal } from './session-refusal.js';
export { POISON_SQL } from './poison-statement.js';
export { DEFAULT_STARTUP_TIMEOUT_MS } from './handle-connection.js';
export { DEFAULT_IDLE_TIMEOUT_SECONDS } from './session-timeouts.js';
