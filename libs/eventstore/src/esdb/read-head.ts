import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';
import type { Position } from '@portcullis/events';
import { fromEsdbPosition } from './position.js';

/**
 * The position of the last record in `$all` (any stream, system ones
 * included), or null when `$all` is empty. One event, read backwards: the
 * cheapest question the server answers, hence also `ping`.
 */
export async function readHeadPosition(
  client: Pick<EventStoreDBClient, 'readAll'>,
  deadline?: number,
): Promise<Position | null> {
  let head: Position | null = null;
  const read = client.readAll({
    direction: BACKWARDS,
    fromPosition: END,
    maxCount: 1,
    resolveLinkTos: false,
    ...(deadline === undefined ? {} : { deadline }),
  });
  for await (const resolved of read) {
    if (resolved.event) head = fromEsdbPosition(resolved.event.position);
  }
  return head;
}
