import type { RecordedEvent } from '@portcullis/events';
import type { ReadStreamOptions } from '../port.js';
import type { SqlExecutor } from './sql-database.js';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from './event-row.js';

/** Reads one stream. No snapshot filter: a writer reads its own appends at once. */
export async function readStream(
  db: SqlExecutor,
  streamName: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM portcullis_events AS e
      WHERE e.stream_name = $1 AND e.stream_revision ${backwards ? '<=' : '>='} $2
      ORDER BY e.stream_revision ${backwards ? 'DESC' : 'ASC'}
      LIMIT $3`,
    [streamName, from, options.maxCount ?? null],
  );
  return rows.map(toRecordedEvent);
}
