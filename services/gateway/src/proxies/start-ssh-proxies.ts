import { readFile } from 'node:fs/promises';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { startSshProxy, type SshProxy, type SshTarget } from '@portcullis/ssh-proxy';
import type { SshTargetConfig } from '../config/gateway-config.js';
import { parseHostPort } from '../config/load-config.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';

export interface StartedSshProxy {
  readonly target: string;
  readonly proxy: SshProxy;
}

/**
 * One SSH listener per `protocol: ssh` target, all with the gateway's one
 * host key (`ssh.hostKeyFile`, created on first start). Calls `onStarted`
 * for each, so the caller can stop those already running if a later one fails.
 */
export async function startSshProxies(
  runtime: GatewayRuntime,
  onStarted: (started: StartedSshProxy) => void,
): Promise<void> {
  const { config } = runtime;
  for (const target of config.sshTargets) {
    if (!runtime.tokens) {
      throw new PortcullisError(
        ErrorCode.Validation,
        `target ${target.name} has no issuer to verify tokens with`,
      );
    }
    const proxy = await startSshProxy({
      listen: parseHostPort(target.listen, `target ${target.name} listen`),
      hostKeyFile: config.ssh.hostKeyFile,
      userCaKeyFile: config.ssh.userCaKeyFile,
      startupTimeoutMs: target.startupTimeoutMs,
      unauthenticatedConnections: target.unauthenticatedConnections,
      targets: [await sshTargetOf(target)],
      tokens: runtime.tokens,
      policy: runtime.policy,
      ...(runtime.shadowPolicy ? { shadowPolicy: runtime.shadowPolicy } : {}),
      store: runtime.store,
      audit: runtime.audit,
      gatewayInstance: config.instance,
      logger: runtime.log,
      recordInput: config.ssh.recordInput,
      approvals: runtime.approvals,
      lifecycle: runtime.lifecycle,
    });
    onStarted({ target: target.name, proxy });
    runtime.log.info({ target: target.name, address: proxy.address }, 'ssh proxy listening');
  }
}

/** A configured SSH target as the proxy takes it: its key files read now (unreadable: a configuration error). */
export async function sshTargetOf(target: SshTargetConfig): Promise<SshTarget> {
  return {
    name: target.name,
    labels: target.labels ?? {},
    upstream: {
      host: target.upstream.host,
      port: target.upstream.port ?? 22,
      user: target.upstream.user,
      ...(target.upstream.privateKeyFile
        ? {
            privateKey: await readKeyFile(
              target.upstream.privateKeyFile,
              `target ${target.name} upstream.privateKeyFile`,
            ),
          }
        : {}),
      ...(target.credential ? { credential: target.credential } : {}),
      ...(target.certificateSeconds ? { certificateSeconds: target.certificateSeconds } : {}),
      hostKey: await upstreamHostKey(target),
    },
  };
}

/** The configured host key, or the one known_hosts holds for `host` / `[host]:port` (hashed names are not read). */
async function upstreamHostKey(target: SshTargetConfig): Promise<string> {
  const { upstream } = target;
  if (upstream.hostKey) return upstream.hostKey;
  const file = upstream.knownHostsFile as string;
  const what = `target ${target.name} upstream.knownHostsFile`;
  const text = (await readKeyFile(file, what)).toString('utf8');
  const port = upstream.port ?? 22;
  const names = new Set([port === 22 ? upstream.host : `[${upstream.host}]:${port}`]);
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]?.startsWith('#') || fields[0]?.startsWith('@')) continue;
    if ((fields[0] as string).split(',').some((name) => names.has(name))) return `${fields[1]} ${fields[2]}`;
  }
  throw new PortcullisError(ErrorCode.Validation, `${what}: no key for ${[...names].join(', ')} in ${file}`);
}

async function readKeyFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new PortcullisError(
      ErrorCode.Validation,
      `${what}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
