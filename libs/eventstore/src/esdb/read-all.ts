import { END, START, type AllStreamResolvedEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { comparePositions, type Position, type RecordedEvent } from '@portcullis/events';
import type { Direction, ReadAllOptions } from '../port.js';
import { isDomainEvent, matchesFilter } from './event-filter.js';
import { fromEsdbPosition, toEsdbPosition } from './position.js';
import { fromEsdbEvent, isPortcullisStored } from './stored-event.js';
import { translateEsdbError } from './translate-error.js';

export type AllReader = Pick<EventStoreDBClient, 'readAll'>;

/** Events fetched per round trip; client-side filtering means one page may yield few of ours. */
export const READ_ALL_PAGE_SIZE = 512;

/**
 * The global order. The v6 client cannot filter `readAll` on the server, so
 * we page through `$all` and filter here: system events, checkpoints, events
 * other applications wrote to the same database, then the caller's filter.
 * `from` is exclusive in both directions; ESDB's own boundary behaviour
 * differs by direction, so we compare positions instead of relying on it.
 */
export async function readAllEvents(
  client: AllReader,
  store: string,
  options: ReadAllOptions = {},
  pageSize = READ_ALL_PAGE_SIZE,
): Promise<RecordedEvent[]> {
  const direction = options.direction ?? 'forwards';
  const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
  const events: RecordedEvent[] = [];
  let after = options.from;
  while (events.length < maxCount) {
    const page = await readPage(client, store, direction, after, pageSize);
    let progressed = false;
    for (const resolved of page) {
      const event = resolved.event;
      if (!event) continue;
      const position = fromEsdbPosition(event.position);
      if (after !== undefined && !isBeyond(position, after, direction)) continue;
      after = position;
      progressed = true;
      if (!isDomainEvent(event.streamId, event.type) || !isPortcullisStored(event)) continue;
      const recorded = fromEsdbEvent(event);
      if (!matchesFilter(recorded, options.filter)) continue;
      events.push(recorded);
      if (events.length >= maxCount) break;
    }
    if (page.length < pageSize || !progressed) break;
  }
  return events;
}

/** True when `position` comes after `from` in the reading direction. */
export function isBeyond(position: Position, from: Position, direction: Direction): boolean {
  const order = comparePositions(position, from);
  return direction === 'forwards' ? order > 0 : order < 0;
}

/** One page, read to the end before we look at it, so that no gRPC stream is left half-consumed. */
async function readPage(
  client: AllReader,
  store: string,
  direction: Direction,
  from: Position | undefined,
  pageSize: number,
): Promise<AllStreamResolvedEvent[]> {
  const page: AllStreamResolvedEvent[] = [];
  try {
    const read = client.readAll({
      direction,
      fromPosition: from === undefined ? (direction === 'forwards' ? START : END) : toEsdbPosition(from),
      maxCount: pageSize,
      resolveLinkTos: false,
    });
    for await (const resolved of read) page.push(resolved);
    return page;
  } catch (error) {
    throw translateEsdbError(error, store);
  }
}
