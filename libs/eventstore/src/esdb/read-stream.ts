import { ErrorType, type EventStoreDBClient } from '@eventstore/db-client';
import type { RecordedEvent } from '@portcullis/events';
import type { ReadStreamOptions } from '../port.js';
import { toEsdbReadRevision } from './position.js';
import { fromEsdbEvent } from './stored-event.js';
import { isEsdbError, translateEsdbError } from './translate-error.js';

export type StreamReader = Pick<EventStoreDBClient, 'readStream'>;

/**
 * One stream, in revision order or reverse; empty when the stream does not
 * exist. Every event in it must be ours (a foreign event in a Portcullis
 * stream is an Integrity error, not something to skip).
 */
export async function readStreamEvents(
  client: StreamReader,
  store: string,
  streamName: string,
  options: ReadStreamOptions = {},
  /** The append path reads the head from the leader: a lagging follower would make every append race. */
  requiresLeader = false,
): Promise<RecordedEvent[]> {
  const direction = options.direction ?? 'forwards';
  if (options.maxCount !== undefined && options.maxCount <= 0) return [];
  const events: RecordedEvent[] = [];
  try {
    const read = client.readStream(streamName, {
      direction,
      fromRevision: toEsdbReadRevision(options.fromRevision, direction),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      resolveLinkTos: false,
      requiresLeader,
    });
    for await (const resolved of read) {
      if (resolved.event) events.push(fromEsdbEvent(resolved.event));
    }
    return events;
  } catch (error) {
    if (isEsdbError(error, ErrorType.STREAM_NOT_FOUND)) return [];
    throw translateEsdbError(error, store);
  }
}
