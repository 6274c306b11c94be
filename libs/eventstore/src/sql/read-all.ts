import type { Position, RecordedEvent } from '@portcullis/events';
import type { EventFilter, ReadAllOptions } from '../port.js';
import type { SqlExecutor } from './sql-database.js';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from './event-row.js';

const MAX_POSITION: Position = { commit: 2n ** 63n - 1n, prepare: 2n ** 63n - 1n };
const MIN_POSITION: Position = { commit: 0n, prepare: 0n };

/**
 * Reads the global order (transaction_id, global_position).
 *
 * Only rows of transactions older than the oldest one still in progress are
 * returned (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`): a
 * transaction that took its global_position early but commits late is
 * invisible until it commits, and then sorts before any later transaction
 * id, so a reader that has checkpointed past (xid, pos) never misses it.
 * The price: one long-running transaction holds every reader back.
 */
export async function readAll(db: SqlExecutor, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const from = options.from ?? (backwards ? MAX_POSITION : MIN_POSITION);
  const params: unknown[] = [from.commit.toString(), from.prepare.toString(), options.maxCount ?? null];
  const filter = filterClause(options.filter, params);
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM portcullis_events AS e
      WHERE (e.transaction_id, e.global_position) ${backwards ? '<' : '>'} ($1::text::xid8, $2::bigint)
        AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ${filter}
      ORDER BY e.transaction_id ${backwards ? 'DESC' : 'ASC'}, e.global_position ${backwards ? 'DESC' : 'ASC'}
      LIMIT $3`,
    params,
  );
  return rows.map(toRecordedEvent);
}

function filterClause(filter: EventFilter | undefined, params: unknown[]): string {
  let clause = '';
  if (filter?.streamPrefixes?.length) {
    params.push(filter.streamPrefixes.map((p) => p.replace(/[\\%_]/g, '\\$&') + '%'));
    clause += ` AND e.stream_name LIKE ANY ($${params.length}::text[])`;
  }
  if (filter?.eventTypes?.length) {
    params.push(filter.eventTypes);
    clause += ` AND e.event_type = ANY ($${params.length}::text[])`;
  }
  return clause;
}
