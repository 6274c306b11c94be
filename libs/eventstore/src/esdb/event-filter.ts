import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@eventstore/db-client';
import type { EventFilter } from '../port.js';

/**
 * Checkpoints live in ordinary user streams of this category (see
 * checkpoints.ts for why not `$`-streams); readers of `$all` skip them.
 */
export const CHECKPOINT_STREAM_PREFIX = 'portcullis_checkpoint-';

/** System streams and events (`$...`, including `$$` metadata streams and `$>` links) and our checkpoints. */
export function isDomainEvent(streamName: string, type: string): boolean {
  return (
    !streamName.startsWith('$') && !type.startsWith('$') && !streamName.startsWith(CHECKPOINT_STREAM_PREFIX)
  );
}

/** The port's filter, applied exactly. An empty list means "no restriction", as an absent one. */
export function matchesFilter(event: { streamName: string; type: string }, filter?: EventFilter): boolean {
  const prefixes = filter?.streamPrefixes;
  if (prefixes?.length && !prefixes.some((prefix) => event.streamName.startsWith(prefix))) return false;
  const types = filter?.eventTypes;
  if (types?.length && !types.includes(event.type)) return false;
  return true;
}

/**
 * The server-side part of the filter. ESDB filters on stream name or on
 * event type, never both, so we send the more selective one (stream
 * prefixes, which is how SIEMs pick categories) and apply the whole filter
 * again on our side with matchesFilter. Event types go as an anchored regex,
 * because ESDB's type prefixes would let `CommandDecided` match
 * `CommandDecidedV2`.
 */
export function toEsdbFilter(
  filter: EventFilter | undefined,
  checkpointReached?: Filter['checkpointReached'],
): Filter {
  const extra = checkpointReached ? { checkpointReached } : {};
  if (filter?.streamPrefixes?.length) {
    return streamNameFilter({ prefixes: [...filter.streamPrefixes], ...extra });
  }
  if (filter?.eventTypes?.length) {
    return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$`, ...extra });
  }
  return excludeSystemEvents(extra);
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
