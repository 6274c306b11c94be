import { sessionStream, toNewEvent } from '@portcullis/events';
import type { PgProxyOptions, ProxyLogger } from '../listener/proxy-options.js';
import { dropEphemeralRole, leftoverRoles } from './ephemeral-role.js';
import { withAdmin } from './session-upstream.js';

/**
 * At start, before the listener accepts: drops the ephemeral roles this
 * gateway instance made and never dropped (it died with sessions open), and
 * records UpstreamCredentialRevoked `swept_after_restart` in each one's
 * session stream. Only roles whose COMMENT names this instance and this
 * target (ephemeral-role.ts): another instance's live sessions, and those of
 * this gateway's targets already listening on the same server, are left
 * alone. An
 * unreachable upstream does not stop the gateway: the roles expire at their
 * VALID UNTIL, and the next start sweeps again. Resolves with the names
 * dropped.
 */
export async function sweepEphemeralRoles(
  options: Pick<PgProxyOptions, 'upstream' | 'store' | 'gatewayInstance' | 'target'>,
  logger: ProxyLogger,
): Promise<string[]> {
  const dropped: string[] = [];
  try {
    await withAdmin(options, async (admin) => {
      for (const role of await leftoverRoles(admin, options.gatewayInstance, options.target.name)) {
        const { backendsTerminated } = await dropEphemeralRole(admin, role);
        dropped.push(role.name);
        await recordSwept(options, role.session, role.name, backendsTerminated).catch((error: unknown) =>
          logger.warn({ role: role.name, err: String(error) }, 'swept role not recorded'),
        );
      }
    });
  } catch (error) {
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'could not sweep ephemeral roles left by an earlier run',
    );
  }
  if (dropped.length > 0) logger.info({ roles: dropped }, 'swept ephemeral roles left by an earlier run');
  return dropped;
}

/** Into the session's stream, when it has one (a crash before SessionOpened leaves none: the log says it). */
async function recordSwept(
  options: Pick<PgProxyOptions, 'store' | 'gatewayInstance'>,
  sessionId: string,
  role: string,
  backendsTerminated: number,
): Promise<void> {
  const event = toNewEvent(
    {
      type: 'UpstreamCredentialRevoked',
      data: {
        sessionId,
        mechanism: 'ephemeral-role',
        role,
        reason: 'swept_after_restart',
        backendsTerminated,
      },
    },
    {
      actor: 'portcullis',
      gatewayInstance: options.gatewayInstance,
      correlationId: sessionId,
      causationId: null,
    },
  );
  await options.store.append(sessionStream(sessionId), [event], 'stream_exists');
}
