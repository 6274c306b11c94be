import { startPgProxy, type PgProxy } from '@portcullis/pg-proxy';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { parseHostPort } from '../config/load-config.js';
import type { GatewayRuntime } from '../runtime/gateway-runtime.js';

export interface RunningProxies {
  readonly listeners: readonly { target: string; protocol: 'postgres'; host: string; port: number }[];
  /** Stops every listener and ends their sessions (each records SessionClosed). */
  close(): Promise<void>;
}

/** Starts one proxy listener per configured target; if one cannot start, none runs. */
export async function startProxies(runtime: GatewayRuntime): Promise<RunningProxies> {
  const { config } = runtime;
  const started: { target: string; proxy: PgProxy }[] = [];
  const close = async () => {
    await Promise.all(started.map(({ proxy }) => proxy.close()));
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
        upstream: {
          host: target.upstream.host,
          port: target.upstream.port ?? 5432,
          user: target.upstream.user,
          password: target.upstream.password,
          database: target.upstream.database,
        },
        tokens: runtime.tokens,
        policy: runtime.policy,
        store: runtime.store,
        gatewayInstance: config.instance,
        logger: runtime.log,
      });
      started.push({ target: target.name, proxy });
      runtime.log.info({ target: target.name, address: proxy.address }, 'postgres proxy listening');
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    listeners: started.map(({ target, proxy }) => ({
      target,
      protocol: 'postgres' as const,
      ...proxy.address,
    })),
    close,
  };
}
