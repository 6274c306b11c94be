/**
 * @portcullis/mcp — the MCP front end (https://modelcontextprotocol.io):
 * an MCP server on Streamable HTTP whose tools reach PostgreSQL and SSH
 * targets through the same session core (libs/session) and the same
 * protocol decisions and masking (libs/pg-proxy, libs/ssh-proxy) as the
 * wire proxies:
 * - `http/` the endpoint: Bearer tokens per the MCP authorization
 *   specification, protected-resource metadata, MCP sessions and limits;
 * - `sessions/` one agent's MCP session: per target one session of the
 *   core, and the commands waiting for approval;
 * - `tools/` list_targets, query, await_approval, exec.
 */
export { McpEndpoint, type McpEndpointOptions } from './http/mcp-endpoint.js';
export { PROTECTED_RESOURCE_PATHS } from './http/protected-resource.js';
export { DEFAULT_MCP_LIMITS, type McpLimits } from './limits.js';
export type { McpTargets, TargetListing } from './sessions/agent-session.js';
