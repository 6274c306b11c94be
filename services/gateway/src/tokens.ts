/** Injection tokens for what the gateway runtime opens before Nest starts. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const READ_MODEL_DB = Symbol('READ_MODEL_DB');
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const POLICY_ENGINE = Symbol('POLICY_ENGINE');
/** The OIDC token verifier (or null when no issuer is configured): proxies and the approvals API share it. */
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
/** The AuditBacklog every session shares: events held while the store is unavailable. */
export const AUDIT_BACKLOG = Symbol('AUDIT_BACKLOG');
/** The demo's development token issuer (demo/dev-issuer.ts); absent outside the demo. */
export const DEV_ISSUER = Symbol('DEV_ISSUER');
/** Terminations and revocations followed through the store (libs/session StoreAccessLifecycle). */
export const ACCESS_LIFECYCLE = Symbol('ACCESS_LIFECYCLE');
/** The MCP endpoint (libs/mcp), when mcp.enabled. */
export const MCP_ENDPOINT = Symbol('MCP_ENDPOINT');
