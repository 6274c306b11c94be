import { frontEndOf, type DomainEvent, type Recorded } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';
import type { Projection } from '../../projections/projection.js';

/** Keeps `portcullis_rm_sessions`: one row per session, for lists and reports. */
export const sessionsProjection: Projection = {
  name: 'sessions',
  tables: ['portcullis_rm_sessions'],
  eventTypes: ['SessionOpened', 'SessionRejected', 'CommandReceived', 'CommandBlocked', 'SessionClosed'],
  async apply(tx: SqlExecutor, recorded: Recorded<DomainEvent>): Promise<void> {
    const event = recorded;
    const at = recorded.metadata.recordedAt;
    switch (event.type) {
      case 'SessionOpened': {
        const { data } = event;
        await tx.query(
          `INSERT INTO portcullis_rm_sessions
             (session_id, status, protocol, target_name, subject, issuer, app_id, identity_kind,
              client_address, policy_revision, opened_at, gateway_instance, front_end)
           VALUES ($1, 'open', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (session_id) DO NOTHING`,
          [
            data.sessionId,
            data.protocol,
            data.target.name,
            data.identity.subject,
            data.identity.issuer,
            data.identity.app_id ?? null,
            data.identity.kind,
            data.clientAddress,
            data.policyRevision,
            at,
            recorded.metadata.gatewayInstance,
            frontEndOf(data),
          ],
        );
        return;
      }
      case 'SessionRejected': {
        const { data } = event;
        await tx.query(
          `INSERT INTO portcullis_rm_sessions
             (session_id, status, protocol, target_name, subject, issuer, app_id, identity_kind,
              client_address, opened_at, closed_at, reject_reason, gateway_instance, front_end)
           VALUES ($1, 'rejected', $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)
           ON CONFLICT (session_id) DO NOTHING`,
          [
            data.sessionId,
            data.protocol,
            data.targetName,
            data.identity?.subject ?? null,
            data.identity?.issuer ?? null,
            data.identity?.app_id ?? null,
            data.identity?.kind ?? null,
            data.clientAddress,
            at,
            data.reason,
            recorded.metadata.gatewayInstance,
            frontEndOf(data),
          ],
        );
        return;
      }
      case 'CommandReceived':
        await tx.query(
          `UPDATE portcullis_rm_sessions SET commands = GREATEST(commands, $2) WHERE session_id = $1`,
          [event.data.sessionId, event.data.sequence],
        );
        return;
      case 'CommandBlocked':
        await tx.query(`UPDATE portcullis_rm_sessions SET blocked = blocked + 1 WHERE session_id = $1`, [
          event.data.sessionId,
        ]);
        return;
      case 'SessionClosed': {
        const { data } = event;
        await tx.query(
          `UPDATE portcullis_rm_sessions
              SET status = 'closed', closed_at = $2, close_reason = $3, bytes_from_client = $4,
                  bytes_to_client = $5, duration_ms = $6
            WHERE session_id = $1`,
          [data.sessionId, at, data.reason, data.bytesFromClient, data.bytesToClient, data.durationMs],
        );
        return;
      }
      default:
        return;
    }
  },
};
