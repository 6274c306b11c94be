import { CatalogEpoch } from '@portcullis/pg-proxy';
import { McpEndpoint, type McpTargets } from '@portcullis/mcp';
import type { StatementSessionOptions } from '@portcullis/pg-proxy';
import { loadOrCreateUserCa, type CommandSessionOptions } from '@portcullis/ssh-proxy';
import { postgresUpstreamOf } from '../proxies/start-proxies.js';
import { sshTargetOf } from '../proxies/start-ssh-proxies.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';

/**
 * The MCP endpoint over the gateway's targets, on the runtime's policy,
 * store, approvals and audit options: the same ones the proxies run on, so
 * an agent on /mcp and a psql client on the listener meet one guard.
 * Undefined when `mcp.enabled` is off (or no issuer is configured).
 */
export async function startMcp(runtime: GatewayRuntime): Promise<McpEndpoint | undefined> {
  const { config } = runtime;
  if (!config.mcp.enabled) return undefined;
  const shared = {
    policy: runtime.policy,
    ...(runtime.shadowPolicy ? { shadowPolicy: runtime.shadowPolicy } : {}),
    store: runtime.store,
    gatewayInstance: config.instance,
    approvals: runtime.approvals,
    // Revoked identities are refused at admission here as on the proxies' listeners.
    lifecycle: runtime.lifecycle,
    audit: runtime.audit,
    logger: runtime.log,
  };
  const postgres = new Map<string, StatementSessionOptions>();
  for (const target of config.targets) {
    postgres.set(target.name, {
      ...shared,
      target: { name: target.name, labels: target.labels ?? {} },
      upstream: await postgresUpstreamOf(target),
      // The target's credential mode holds for MCP sessions as for the listener's.
      ...(target.credential ? { credential: target.credential } : {}),
      sessionWindowSeconds: config.approvals.sessionWindowSeconds,
      ...(target.statementTimeoutMs ? { statementTimeoutMs: target.statementTimeoutMs } : {}),
      catalogEpoch: new CatalogEpoch(),
    });
  }
  const ssh = new Map<string, CommandSessionOptions>();
  // The proxies' user CA (the same file): MCP sessions get session certificates as the proxy's do.
  const certified = config.sshTargets.some((t) => t.credential === 'certificate');
  const userCa = certified ? await loadOrCreateUserCa(config.ssh.userCaKeyFile) : undefined;
  for (const target of config.sshTargets)
    ssh.set(target.name, { ...shared, target: await sshTargetOf(target), ...(userCa ? { userCa } : {}) });
  const targets: McpTargets = { postgres, ssh };
  return new McpEndpoint({
    tokens: runtime.tokens,
    issuers: config.issuers.map((issuer) => issuer.issuer),
    ...(config.mcp.resource ? { resource: config.mcp.resource } : {}),
    targets,
    policy: runtime.policy,
    limits: config.mcp,
    logger: runtime.log,
  });
}
