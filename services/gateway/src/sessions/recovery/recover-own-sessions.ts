import { recoverSessions, type RecoveryReport } from '@portcullis/session';
import type { GatewayRuntime } from '../../runtime/gateway-runtime.js';
import type { ProjectionsService } from '../../projections/projections.service.js';

/** How long start waits for the sessions read model to catch up before recovering. */
const CATCH_UP_MS = 30_000;

/**
 * On start, before the proxies listen: sessions this instance (by its
 * configured name) still holds open in the trail belong to a process that
 * died. They are found in the `sessions` read model once it has caught up,
 * and closed with reason `gateway_restart` (libs/session recoverSessions).
 * Instance names must therefore be unique among running gateways
 * (docs/operations.md).
 */
export async function recoverOwnSessions(
  runtime: GatewayRuntime,
  projections: ProjectionsService,
): Promise<RecoveryReport> {
  const { config, log } = runtime;
  try {
    await projections.waitUntilLive(CATCH_UP_MS);
  } catch {
    log.warn('sessions read model did not catch up: sessions of a previous run are not recovered now');
    return { sessions: 0, commandsUnknown: 0 };
  }
  const { rows } = await runtime.readModels.query<{ session_id: string }>(
    `SELECT session_id FROM portcullis_rm_sessions WHERE status = 'open' AND gateway_instance = $1`,
    [config.instance],
  );
  const report = await recoverSessions(
    runtime.store,
    rows.map((r) => r.session_id),
    { actor: 'portcullis', gatewayInstance: config.instance },
  );
  if (report.sessions > 0) {
    log.warn(
      { sessions: report.sessions, commandsUnknown: report.commandsUnknown },
      'closed sessions left open by a previous run of this instance (gateway_restart)',
    );
  }
  return report;
}
