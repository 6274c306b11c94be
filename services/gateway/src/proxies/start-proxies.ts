import { startPgProxy, type PgProxy, type UpstreamTarget } from '@portcullis/pg-proxy';
import type { TargetConfig } from '../config/gateway-config.js';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { readFile } from 'node:fs/promises';
import { parseHostPort } from '../config/load-config.js';
import { startSshProxies, type StartedSshProxy } from './start-ssh-proxies.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';

export interface RunningProxies {
  readonly listeners: readonly { target: string; protocol: 'postgres' | 'ssh'; host: string; port: number }[];
  /** Stops every listener and ends their sessions (each records SessionClosed). */
  close(): Promise<void>;
}

/** Starts one proxy listener per configured target; if one cannot start, none runs. */
export async function startProxies(runtime: GatewayRuntime): Promise<RunningProxies> {
  const { config } = runtime;
  const started: { target: string; proxy: PgProxy }[] = [];
  const sshStarted: StartedSshProxy[] = [];
  const close = async () => {
    await Promise.all([...started, ...sshStarted].map(({ proxy }) => proxy.close()));
  };
  try {
    for (const target of config.targets) {
      if (!runtime.tokens) {
        throw new PortcullisError(
          ErrorCode.Validation,
          `target ${target.name} has no issuer to verify tokens with`,
        );
      }
      const proxy = await startPgProxy({
        listen: parseHostPort(target.listen, `target ${target.name} listen`),
        target: { name: target.name, labels: target.labels ?? {} },
        upstream: await postgresUpstreamOf(target),
        ...(target.credential ? { credential: target.credential } : {}),
        ...(target.tls ? { tls: await clientTlsOf(target.name, target.tls) } : {}),
        startupTimeoutMs: target.startupTimeoutMs,
        unauthenticatedConnections: target.unauthenticatedConnections,
        idleTimeoutSeconds: target.idleTimeoutSeconds,
        ...(target.statementTimeoutMs ? { statementTimeoutMs: target.statementTimeoutMs } : {}),
        ...(target.recordResultRows ? { recordResultRows: target.recordResultRows } : {}),
        tokens: runtime.tokens,
        policy: runtime.policy,
        ...(runtime.shadowPolicy ? { shadowPolicy: runtime.shadowPolicy } : {}),
        store: runtime.store,
        gatewayInstance: config.instance,
        logger: runtime.log,
        approvals: runtime.approvals,
        audit: runtime.audit,
        lifecycle: runtime.lifecycle,
        sessionWindowSeconds: config.approvals.sessionWindowSeconds,
      });
      started.push({ target: target.name, proxy });
      runtime.log.info({ target: target.name, address: proxy.address }, 'postgres proxy listening');
    }
    await startSshProxies(runtime, (ssh) => sshStarted.push(ssh));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    listeners: started
      .map(({ target, proxy }) => ({
        target,
        protocol: 'postgres' as 'postgres' | 'ssh',
        ...proxy.address,
      }))
      .concat(sshStarted.map(({ target, proxy }) => ({ target, protocol: 'ssh', ...proxy.address }))),
    close,
  };
}

/** A PostgreSQL target's upstream as the proxy takes it: its CA file read now. */
export async function postgresUpstreamOf(target: TargetConfig): Promise<UpstreamTarget> {
  const { upstream } = target;
  return {
    host: upstream.host,
    port: upstream.port ?? 5432,
    user: upstream.user,
    password: upstream.password,
    database: upstream.database,
    ...(upstream.tls
      ? {
          tls: {
            mode: upstream.tls.mode,
            ...(upstream.tls.caFile
              ? { ca: await readPem(upstream.tls.caFile, `target ${target.name} upstream.tls.caFile`) }
              : {}),
          },
        }
      : {}),
  };
}

/** The listener's certificate and key, read now. */
export async function clientTlsOf(name: string, tls: NonNullable<TargetConfig['tls']>) {
  return {
    cert: await readPem(tls.certFile, `target ${name} tls.certFile`),
    key: await readPem(tls.keyFile, `target ${name} tls.keyFile`),
    ...(tls.required === undefined ? {} : { required: tls.required }),
  };
}

/** A certificate, key or CA file named by the config; unreadable means the gateway does not start. */
async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new PortcullisError(
      ErrorCode.Validation,
      `${what}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
