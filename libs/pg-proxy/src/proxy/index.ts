export { startPgProxy, PgProxyConfigError, type PgProxy } from './pg-proxy-server.js';
export type { PgProxyOptions, ProxyTarget, UpstreamTarget, ProxyLogger } from './proxy-options.js';
export { SessionRefusal } from './session-refusal.js';
export { POISON_SQL } from './poison-statement.js';
