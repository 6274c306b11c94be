import type { EventMetadata, RecordedEvent } from '@portcullis/events';

/** Columns every event read selects, in the shape `toRecordedEvent` expects. */
// Selected from `portcullis_events AS e`: ORDER BY clauses must name `e.` columns, or
// they would bind to these text-cast output aliases and sort 10 before 2.
export const EVENT_COLUMNS = `e.global_position::text AS global_position, e.transaction_id::text AS transaction_id,
  e.stream_name, e.stream_revision::text AS stream_revision, e.event_id::text AS event_id, e.event_type,
  e.schema_version, e.data, e.metadata, e.hash`;

export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_name: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  hash: string;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    streamName: row.stream_name,
    revision: Number(row.stream_revision),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    hash: row.hash,
  };
}
