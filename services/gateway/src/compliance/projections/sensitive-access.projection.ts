import type { DomainEvent, Recorded } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';
import type { Projection } from '../../projections/projection.js';
import { positionOf, rememberSession, sessionContext } from './session-context.js';

const SESSIONS = 'portcullis_rm_sensitive_access_sessions';

/**
 * Keeps `portcullis_rm_sensitive_access`: who read which masked column (or
 * which detector found what in free text), on which target, when, and how
 * many values were masked. From ResultMasked, which names columns and
 * counts, never values.
 */
export const sensitiveAccessProjection: Projection = {
  name: 'sensitive_access',
  tables: ['portcullis_rm_sensitive_access', SESSIONS],
  eventTypes: ['SessionOpened', 'ResultMasked'],
  async apply(tx: SqlExecutor, event: Recorded<DomainEvent>): Promise<void> {
    if (event.type === 'SessionOpened') {
      await rememberSession(tx, SESSIONS, event.data);
      return;
    }
    if (event.type !== 'ResultMasked') return;
    const { data } = event;
    const session = await sessionContext(tx, SESSIONS, data.sessionId);
    for (const [item, column] of data.columns.entries()) {
      await tx.query(
        `INSERT INTO portcullis_rm_sensitive_access
           (position_commit, position_prepare, item, session_id, sequence, target_name, subject, issuer, app_id,
            tenant_id, column_name, method, rule, detector, value_count, accessed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT DO NOTHING`,
        [
          ...positionOf(event),
          item,
          data.sessionId,
          data.sequence,
          session?.target_name ?? null,
          session?.subject ?? null,
          session?.issuer ?? null,
          session?.app_id ?? null,
          session?.tenant_id ?? null,
          column.column,
          column.method,
          column.rule ?? null,
          column.detector ?? null,
          column.count,
          event.metadata.recordedAt,
        ],
      );
    }
  },
};
