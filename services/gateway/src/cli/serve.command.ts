import { once } from 'node:events';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { startGateway } from '../create-gateway.js';
import { startProxies } from '../proxies/start-proxies.js';
import { createLogger } from '../logging/logger.js';
import { ProjectionsService } from '../projections/projections.service.js';
import { recoverOwnSessions } from '../sessions/recovery/recover-own-sessions.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { DevIssuer } from '../demo/dev-issuer.js';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

/** Runs the gateway until SIGINT or SIGTERM, then shuts down in order: proxies, API, projections, store. */
export async function serve(options: StoreOptions, io: CliIo): Promise<number> {
  return serveConfig(await loadCliConfig(options), io);
}

/** `serve` for a config already built (the demo builds its own, and serves its development issuer). */
export async function serveConfig(
  config: GatewayConfig,
  io: CliIo,
  extras: { devIssuer?: DevIssuer; onServing?: () => void } = {},
): Promise<number> {
  const log = createLogger(config.log.level, config.instance);
  const opened = await openRuntime(config, log);
  const runtime = extras.devIssuer ? { ...opened, devIssuer: extras.devIssuer } : opened;
  try {
    const gateway = await startGateway(runtime);
    // Sessions a crashed run of this instance left open are closed before new ones start.
    await recoverOwnSessions(runtime, gateway.app.get(ProjectionsService)).catch(async (error: unknown) => {
      await gateway.close();
      throw error;
    });
    const proxies = await startProxies(runtime).catch(async (error: unknown) => {
      await gateway.close();
      throw error;
    });
    for (const l of proxies.listeners) {
      io.stdout.write(`portcullis: ${l.protocol} target ${l.target} on ${l.host}:${l.port}\n`);
    }
    if (gateway.mcpUrl) io.stdout.write(`portcullis: mcp on ${gateway.mcpUrl}\n`);
    io.stdout.write(`portcullis: serving ${gateway.url} (store: ${runtime.store.description})\n`);
    extras.onServing?.();
    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    log.info({ signal: signal[0] }, 'shutting down');
    await proxies.close(); // sessions end and record SessionClosed while the store is still open
    await gateway.close();
    return 0;
  } finally {
    await runtime.close();
  }
}
