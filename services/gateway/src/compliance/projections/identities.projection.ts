import type { DomainEvent, Identity, Recorded } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';
import type { Projection } from '../../projections/projection.js';
import { maskedCount, positionOf, rememberSession, sessionContext } from './session-context.js';

const SESSIONS = 'portcullis_rm_identities_sessions';

type Counter = 'sessions' | 'sessions_rejected' | 'commands' | 'denials' | 'reviews' | 'masked_values';

/**
 * Keeps `portcullis_rm_identities`: one row per identity (issuer + subject)
 * with what it did — sessions opened and refused, commands, denials (commands
 * refused: CommandBlocked), reviews (commands that needed an approval),
 * values masked in its results, first and last seen — and
 * `portcullis_rm_identity_targets`, the targets it reached.
 */
export const identitiesProjection: Projection = {
  name: 'identities',
  tables: ['portcullis_rm_identities', 'portcullis_rm_identity_targets', SESSIONS],
  eventTypes: [
    'SessionOpened',
    'SessionRejected',
    'CommandReceived',
    'CommandDecided',
    'CommandBlocked',
    'ResultMasked',
  ],
  async apply(tx: SqlExecutor, event: Recorded<DomainEvent>): Promise<void> {
    const at = event.metadata.recordedAt;
    const count = async (sessionId: string, counter: Counter, by = 1) => {
      const session = await sessionContext(tx, SESSIONS, sessionId);
      if (!session?.issuer || !session.subject) return;
      await tx.query(
        `UPDATE portcullis_rm_identities SET ${counter} = ${counter} + $3, last_seen = GREATEST(last_seen, $4)
          WHERE issuer = $1 AND subject = $2`,
        [session.issuer, session.subject, by, at],
      );
    };
    switch (event.type) {
      case 'SessionOpened': {
        const { data } = event;
        await rememberSession(tx, SESSIONS, data);
        await seen(tx, event, data.identity, 'sessions');
        await tx.query(
          `INSERT INTO portcullis_rm_identity_targets (issuer, subject, target_name, sessions, first_seen, last_seen)
           VALUES ($1, $2, $3, 1, $4, $4)
           ON CONFLICT (issuer, subject, target_name) DO UPDATE
              SET sessions = portcullis_rm_identity_targets.sessions + 1,
                  first_seen = LEAST(portcullis_rm_identity_targets.first_seen, EXCLUDED.first_seen),
                  last_seen = GREATEST(portcullis_rm_identity_targets.last_seen, EXCLUDED.last_seen)`,
          [data.identity.issuer, data.identity.subject, data.target.name, at],
        );
        return;
      }
      case 'SessionRejected':
        // Only a rejection after the token was verified names an identity.
        if (event.data.identity) await seen(tx, event, event.data.identity, 'sessions_rejected');
        return;
      case 'CommandReceived':
        await count(event.data.sessionId, 'commands');
        return;
      case 'CommandDecided':
        // The first decision of a reviewed command says `review`; the one after the approval does not.
        if (event.data.outcome === 'review') await count(event.data.sessionId, 'reviews');
        return;
      case 'CommandBlocked':
        await count(event.data.sessionId, 'denials');
        return;
      case 'ResultMasked':
        await count(event.data.sessionId, 'masked_values', maskedCount(event.data.columns));
        return;
      default:
        return;
    }
  },
};

/** Creates the identity's row or counts one more session (opened or rejected) on it. */
async function seen(
  tx: SqlExecutor,
  event: Recorded<DomainEvent>,
  identity: Identity,
  counter: 'sessions' | 'sessions_rejected',
): Promise<void> {
  const at = event.metadata.recordedAt;
  await tx.query(
    `INSERT INTO portcullis_rm_identities
       (issuer, subject, app_id, tenant_id, identity_kind, position_commit, position_prepare, ${counter},
        first_seen, last_seen)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)
     ON CONFLICT (issuer, subject) DO UPDATE
        SET ${counter} = portcullis_rm_identities.${counter} + 1,
            app_id = COALESCE(EXCLUDED.app_id, portcullis_rm_identities.app_id),
            tenant_id = COALESCE(EXCLUDED.tenant_id, portcullis_rm_identities.tenant_id),
            identity_kind = EXCLUDED.identity_kind,
            first_seen = LEAST(portcullis_rm_identities.first_seen, EXCLUDED.first_seen),
            last_seen = GREATEST(portcullis_rm_identities.last_seen, EXCLUDED.last_seen)`,
    [
      identity.issuer,
      identity.subject,
      identity.app_id ?? null,
      identity.tenant_id ?? null,
      identity.kind,
      ...positionOf(event),
      at,
    ],
  );
}
