import { DEFAULT_APPEND_TIMEOUT_MS, DEFAULT_BACKLOG_EVENTS } from '@portcullis/session';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve, dirname, isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { Compile } from 'typebox/compile';
import { ValidationError } from '@portcullis/events';
import { endpointUrlProblem, validateIdentityConfig } from '@portcullis/identity';
import {
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_STARTUP_TIMEOUT_MS as PG_STARTUP_TIMEOUT_MS,
} from '@portcullis/pg-proxy';
import { DEFAULT_UNAUTHENTICATED_LIMITS } from '@portcullis/session';
import { DEFAULT_STARTUP_TIMEOUT_MS as SSH_STARTUP_TIMEOUT_MS } from '@portcullis/ssh-proxy';
import { DEFAULT_MCP_LIMITS } from '@portcullis/mcp';
import {
  GatewayConfigSchema,
  type GatewayConfig,
  type ConsoleConfig,
  type GatewayConfigFile,
  type ListenerLimits,
  type TargetConfig,
  type SshTargetConfig,
} from './gateway-config.js';
import { completeSiemConfig } from './complete-siem-config.js';
import { parseHostPort } from './host-port.js';

export { parseHostPort };

export interface ConfigOverrides {
  dataDir?: string;
  apiListen?: string;
}

const validator = Compile(GatewayConfigSchema);

/** Reads, expands `${ENV}` references in, validates and completes a config file. */
export async function loadConfigFile(path: string, overrides: ConfigOverrides = {}): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ValidationError(
      `config ${path} is not valid YAML`,
      document.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? '?'}`,
        message: e.message.split('\n')[0]!,
      })),
    );
  }
  const raw = expandEnv(document.toJS() ?? {}, '', path);
  return completeConfig(raw, path, dirname(resolve(path)), overrides);
}

/** The embedded defaults: `portcullis serve` with no config file. */
export function defaultConfig(overrides: ConfigOverrides = {}): GatewayConfig {
  return completeConfig({}, '(defaults)', process.cwd(), overrides);
}

export function completeConfig(
  raw: unknown,
  source: string,
  baseDir: string,
  overrides: ConfigOverrides = {},
): GatewayConfig {
  if (!validator.Check(raw)) {
    const problems = [...validator.Errors(raw)]
      .filter((e) => e.keyword !== 'boolean' && e.keyword !== 'anyOf')
      .map((e) => ({ path: describePath(e.instancePath, e.params), message: e.message }));
    throw new ValidationError(`config ${source} is invalid`, dedupe(problems));
  }
  const file = raw as GatewayConfigFile;
  // Rules a schema cannot say (no HMAC algorithms, https key URLs, no issuer twice…).
  if (file.issuers?.length) validateIdentityConfig(file.issuers);
  assertDistinctTargets(file.targets ?? []);
  if (file.targets?.length && !file.issuers?.length) {
    throw new ValidationError(`config ${source} is invalid`, [
      { path: '/issuers', message: 'targets need at least one issuer: clients authenticate with its tokens' },
    ]);
  }
  if (file.mcp?.enabled === true && !file.issuers?.length) {
    throw new ValidationError(`config ${source} is invalid`, [
      {
        path: '/mcp/enabled',
        message: 'the MCP endpoint needs at least one issuer: agents authenticate with its tokens',
      },
    ]);
  }
  const listen = overrides.apiListen ?? file.api?.listen ?? '127.0.0.1:8080';
  let store = file.store ?? { kind: 'pglite' as const, dataDir: './data' };
  if (overrides.dataDir) {
    if (store.kind !== 'pglite') {
      throw new ValidationError(
        `--data-dir applies to the pglite store, but config ${source} uses ${store.kind}`,
      );
    }
    store = { ...store, dataDir: overrides.dataDir };
  }
  if (store.kind === 'pglite') store = { ...store, dataDir: absolute(baseDir, store.dataDir) };
  const api = parseHostPort(listen, overrides.apiListen ? '--api-listen' : '/api/listen');
  const webhook = file.approvals?.webhook;
  const publicUrl = (file.approvals?.publicUrl ?? `http://${listen}`).replace(/\/+$/, '');
  return {
    // Unique per running gateway on a host (no two share an API port), and stable
    // across its restarts: crash recovery closes the open sessions recorded under it.
    instance: file.instance ?? `${hostname()}:${api.port}`,
    api: {
      ...api,
      auditorGroups: file.api?.auditorGroups ?? [],
      adminGroups: file.api?.adminGroups ?? [],
    },
    store,
    audit: {
      mode: file.audit?.mode ?? 'strict',
      asyncBufferEvents: file.audit?.asyncBufferEvents ?? 10_000,
      appendTimeoutMs: file.audit?.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
      backlogEvents: file.audit?.backlogEvents ?? DEFAULT_BACKLOG_EVENTS,
      overlapReads: file.audit?.overlapReads ?? true,
    },
    log: { level: file.log?.level ?? 'info' },
    policy: {
      bundle: file.policy?.bundle ? absolute(baseDir, file.policy.bundle) : undefined,
      data: file.policy?.data ? absolute(baseDir, file.policy.data) : undefined,
      shadow: file.policy?.shadow
        ? {
            bundle: file.policy.shadow.bundle ? absolute(baseDir, file.policy.shadow.bundle) : undefined,
            data: file.policy.shadow.data ? absolute(baseDir, file.policy.shadow.data) : undefined,
          }
        : undefined,
    },
    approvals: {
      publicUrl,
      sessionWindowSeconds: file.approvals?.sessionWindowSeconds ?? 3600,
      webhook: webhook && { url: webhook.url, secret: webhook.secret, timeoutMs: webhook.timeoutMs ?? 5_000 },
    },
    issuers: file.issuers ?? [],
    console: consoleConfig(file, source, baseDir, publicUrl),
    mcp: mcpConfig(file),
    ssh: {
      hostKeyFile: file.ssh?.hostKeyFile
        ? absolute(baseDir, file.ssh.hostKeyFile)
        : join(dataDirOf(baseDir, store), 'ssh_host_ed25519_key'),
      userCaKeyFile: file.ssh?.userCaKeyFile
        ? absolute(baseDir, file.ssh.userCaKeyFile)
        : join(dataDirOf(baseDir, store), 'ssh_user_ca_ed25519_key'),
      recordInput: file.ssh?.recordInput ?? false,
    },
    targets: (file.targets ?? [])
      .filter((target): target is TargetConfig => target.protocol === 'postgres')
      .map((target) => ({
        ...withAbsoluteFiles(baseDir, target),
        ...listenerLimits(target, PG_STARTUP_TIMEOUT_MS),
        idleTimeoutSeconds: target.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS,
      })),
    sshTargets: (file.targets ?? [])
      .filter((target): target is SshTargetConfig => target.protocol === 'ssh')
      .map((target) => ({
        ...sshTargetWithAbsoluteFiles(baseDir, target, source),
        ...listenerLimits(target, SSH_STARTUP_TIMEOUT_MS),
      })),
    siem: completeSiemConfig(file.siem, source, (path) => absolute(baseDir, path), dataDirOf(baseDir, store)),
    source,
  };
}

/**
 * The console section completed. Each sign-in issuer must be a trusted issuer too: the console
 * verifies the access token it gets at sign-in with the same verifier as the API, so a console
 * user is the same identity (subject, groups, app id) the approval rules see on every other path.
 */
function consoleConfig(
  file: GatewayConfigFile,
  source: string,
  baseDir: string,
  publicUrl: string,
): ConsoleConfig | undefined {
  const section = file.console;
  if (!section) return undefined;
  const trusted = new Set((file.issuers ?? []).map((i) => i.issuer));
  const problems: { path: string; message: string }[] = [];
  section.issuers.forEach((issuer, i) => {
    if (!trusted.has(issuer.issuer)) {
      problems.push({
        path: `/console/issuers/${i}/issuer`,
        message: `must also be listed in issuers (issuers[].issuer): the console verifies sign-in tokens as the API does`,
      });
    }
    const urlProblem = endpointUrlProblem(issuer.issuer);
    if (urlProblem) problems.push({ path: `/console/issuers/${i}/issuer`, message: urlProblem });
    if (issuer.clientSecret !== undefined && issuer.clientSecretFile !== undefined) {
      problems.push({ path: `/console/issuers/${i}`, message: 'has both clientSecret and clientSecretFile' });
    }
    if (section.issuers.findIndex((other) => other.issuer === issuer.issuer) < i) {
      problems.push({ path: `/console/issuers/${i}/issuer`, message: 'is listed twice' });
    }
  });
  if (problems.length) throw new ValidationError(`config ${source} is invalid`, problems);
  return {
    issuers: section.issuers.map((issuer) => ({
      issuer: issuer.issuer,
      name: issuer.name ?? issuer.issuer,
      clientId: issuer.clientId,
      clientSecret: issuer.clientSecret,
      clientSecretFile: issuer.clientSecretFile ? absolute(baseDir, issuer.clientSecretFile) : undefined,
      scope: issuer.scope ?? 'openid',
      resource: issuer.resource,
      redirectUri: issuer.redirectUri ?? `${publicUrl}/console/callback`,
    })),
    adminGroups: section.adminGroups ?? file.api?.adminGroups ?? [],
    auditorGroups: section.auditorGroups ?? file.api?.auditorGroups ?? [],
    sessionTtlSeconds: section.sessionTtlSeconds ?? 28_800,
  };
}

/** The MCP endpoint's settings with DEFAULT_MCP_LIMITS filled in; on by default wherever an issuer is. */
function mcpConfig(file: GatewayConfigFile): GatewayConfig['mcp'] {
  const mcp = file.mcp ?? {};
  return {
    enabled: (mcp.enabled ?? true) && (file.issuers?.length ?? 0) > 0,
    resource: mcp.resource,
    maxSessionsPerIdentity: mcp.maxSessionsPerIdentity ?? DEFAULT_MCP_LIMITS.maxSessionsPerIdentity,
    idleTimeoutSeconds: mcp.idleTimeoutSeconds ?? DEFAULT_MCP_LIMITS.idleTimeoutSeconds,
    maxRows: mcp.maxRows ?? DEFAULT_MCP_LIMITS.maxRows,
    maxResultBytes: mcp.maxResultBytes ?? DEFAULT_MCP_LIMITS.maxResultBytes,
    maxOutputBytes: mcp.maxOutputBytes ?? DEFAULT_MCP_LIMITS.maxOutputBytes,
    maxApprovalWaitSeconds: mcp.maxApprovalWaitSeconds ?? DEFAULT_MCP_LIMITS.maxApprovalWaitSeconds,
    execTimeoutSeconds: mcp.execTimeoutSeconds ?? DEFAULT_MCP_LIMITS.execTimeoutSeconds,
  };
}

/** The proxies' own defaults, written into the completed config so what runs is what it says. */
function listenerLimits(
  target: Pick<TargetConfig | SshTargetConfig, 'startupTimeoutMs' | 'unauthenticatedConnections'>,
  startupTimeoutMs: number,
): ListenerLimits {
  return {
    startupTimeoutMs: target.startupTimeoutMs ?? startupTimeoutMs,
    unauthenticatedConnections: { ...DEFAULT_UNAUTHENTICATED_LIMITS, ...target.unauthenticatedConnections },
  };
}

function assertDistinctTargets(targets: readonly { name: string; listen: string }[]): void {
  const problems: { path: string; message: string }[] = [];
  targets.forEach((target, i) => {
    const earlier = targets.findIndex((t) => t.name === target.name || t.listen === target.listen);
    if (earlier < i) {
      problems.push({
        path: `/targets/${i}`,
        message: `repeats the name or listen address of /targets/${earlier}`,
      });
    }
  });
  if (problems.length) throw new ValidationError('config has clashing targets', problems);
}

/** Certificate and key paths of a target are relative to the config file, as the store's dataDir. */
function withAbsoluteFiles<T extends TargetConfig>(baseDir: string, target: T): T {
  const tls = target.tls && {
    ...target.tls,
    certFile: absolute(baseDir, target.tls.certFile),
    keyFile: absolute(baseDir, target.tls.keyFile),
  };
  const upstreamTls = target.upstream.tls && {
    ...target.upstream.tls,
    ...(target.upstream.tls.caFile ? { caFile: absolute(baseDir, target.upstream.tls.caFile) } : {}),
  };
  return {
    ...target,
    ...(tls ? { tls } : {}),
    ...(upstreamTls ? { upstream: { ...target.upstream, tls: upstreamTls } } : {}),
  };
}

/** Key files of an SSH target are relative to the config file; the host key comes from hostKey or knownHostsFile. */
function sshTargetWithAbsoluteFiles(
  baseDir: string,
  target: SshTargetConfig,
  source: string,
): SshTargetConfig {
  const { upstream } = target;
  if (!upstream.hostKey === !upstream.knownHostsFile) {
    throw new ValidationError(`config ${source} is invalid`, [
      {
        path: `/targets/${target.name}/upstream`,
        message: 'needs exactly one of hostKey or knownHostsFile (no trust on first use)',
      },
    ]);
  }
  if (target.credential !== 'certificate' && !upstream.privateKeyFile) {
    throw new ValidationError(`config ${source} is invalid`, [
      {
        path: `/targets/${target.name}/upstream`,
        message: 'needs privateKeyFile, or credential: certificate on the target (a certificate per session)',
      },
    ]);
  }
  return {
    ...target,
    upstream: {
      ...upstream,
      ...(upstream.privateKeyFile ? { privateKeyFile: absolute(baseDir, upstream.privateKeyFile) } : {}),
      ...(upstream.knownHostsFile ? { knownHostsFile: absolute(baseDir, upstream.knownHostsFile) } : {}),
    },
  };
}

/** Where files the gateway creates live by default: the pglite data dir, else ./data beside the config. */
function dataDirOf(baseDir: string, store: GatewayConfig['store']): string {
  return store.kind === 'pglite' ? store.dataDir : absolute(baseDir, './data');
}

function absolute(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** `${NAME}` in any string value is replaced by the environment variable; a missing one is an error. */
function expandEnv(value: unknown, path: string, source: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = process.env[name];
      if (found === undefined) {
        throw new ValidationError(`config ${source} is invalid`, [
          { path: path || '/', message: `refers to environment variable ${name}, which is not set` },
        ]);
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${path}/${i}`, source));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, `${path}/${k}`, source)]),
    );
  }
  return value;
}

function describePath(instancePath: string, params: unknown): string {
  const extra = (params as { additionalProperties?: string[] })?.additionalProperties;
  if (extra?.length) return `${instancePath || ''}/${extra.join(',')}`;
  return instancePath || '/';
}

function dedupe(problems: { path: string; message: string }[]): { path: string; message: string }[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
