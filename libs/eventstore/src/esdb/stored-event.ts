import {
  jsonEvent,
  type EventData,
  type JSONType,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import {
  ErrorCode,
  GENESIS_HASH,
  PortcullisError,
  hashEvent,
  type EventMetadata,
  type NewEvent,
  type RecordedEvent,
} from '@portcullis/events';
import { toEsdbEventId } from './event-id.js';
import { requirePosition, revisionToNumber } from './position.js';

/**
 * How a Portcullis event sits in EventStoreDB: JSON data, and JSON metadata
 * that is our EventMetadata (already carrying `$correlationId` and
 * `$causationId` the way ESDB's projections expect them) plus three
 * store-level keys that are stripped again on read:
 * - `$hash`: this event's chain hash (RecordedEvent.hash);
 * - `$schemaVersion`: the data's schema version;
 * - `$id`: the original event id, only when it is not a canonical UUID.
 */
interface StoredMetadata extends EventMetadata {
  readonly $hash: string;
  readonly $schemaVersion: number;
  readonly $id?: string;
}

/** An event ready to append: revision, prevHash and hash fixed before the write. */
export interface ChainedEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly streamName: string;
  readonly revision: number;
  readonly hash: string;
}

/** The stream's last event, as far as the chain is concerned. */
export interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

/**
 * Links the new events onto the stream's head (null: the stream does not
 * exist). Data and metadata go through a JSON round trip first, so that the
 * hash is taken over exactly what ESDB will hand back on read (no
 * `undefined` members, dates as strings).
 */
export function chainEvents(
  streamName: string,
  events: readonly NewEvent[],
  head: StreamHead | null,
): ChainedEvent[] {
  let prevHash = head?.hash ?? GENESIS_HASH;
  let revision = head?.revision ?? -1;
  return events.map((event) => {
    revision += 1;
    const metadata = jsonRoundTrip({ ...event.metadata, prevHash }) as EventMetadata;
    const chained = {
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: jsonRoundTrip(event.data),
      metadata,
      streamName,
      revision,
    };
    const hash = hashEvent(chained);
    prevHash = hash;
    return { ...chained, hash };
  });
}

export function toEsdbEventData(event: ChainedEvent): EventData {
  const esdbId = toEsdbEventId(event.id);
  const metadata: StoredMetadata = {
    ...event.metadata,
    $hash: event.hash,
    $schemaVersion: event.schemaVersion,
    ...(esdbId === event.id ? {} : { $id: event.id }),
  };
  return jsonEvent({
    id: esdbId,
    type: event.type,
    data: event.data as JSONType,
    metadata: metadata as unknown as JSONType,
  });
}

/** True when the event was written by this adapter (JSON with our store-level metadata). */
export function isPortcullisStored(event: EsdbRecordedEvent): boolean {
  const metadata = event.metadata as Partial<StoredMetadata> | undefined;
  return (
    event.isJson &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata.$hash === 'string' &&
    typeof metadata.$schemaVersion === 'number'
  );
}

/** Maps an ESDB event written by this adapter back to ours; throws Integrity when it is not one. */
export function fromEsdbEvent(event: EsdbRecordedEvent): RecordedEvent {
  if (!isPortcullisStored(event)) {
    throw new PortcullisError(
      ErrorCode.Integrity,
      `event ${event.id} in ${event.streamId} was not written by Portcullis (no $hash/$schemaVersion metadata)`,
      { details: { streamName: event.streamId, eventId: event.id } },
    );
  }
  const { $hash, $schemaVersion, $id, ...metadata } = event.metadata as unknown as StoredMetadata;
  return {
    id: $id ?? event.id,
    type: event.type,
    schemaVersion: $schemaVersion,
    data: event.data,
    metadata,
    streamName: event.streamId,
    revision: revisionToNumber(event.revision),
    position: requirePosition(event.position, event.id),
    hash: $hash,
  };
}

function jsonRoundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new PortcullisError(ErrorCode.Validation, 'event data has no JSON representation');
  }
  return JSON.parse(text) as unknown;
}
