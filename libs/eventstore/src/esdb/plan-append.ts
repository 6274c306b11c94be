import { START, ValidationError, type NewEvent, type RecordedEvent } from '@portcullis/events';
import { DuplicateEventError, WrongExpectedRevisionError } from '../errors.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import { chainEvents, type ChainedEvent } from './stored-event.js';

/**
 * What an append should do, decided from the stream's tail alone (no I/O),
 * in the order the port requires:
 * 1. the same ids are already the last events: a retry, answer the original result;
 * 2. some ids are in the tail but not as that exact append: DuplicateEventError;
 * 3. the caller's expectation does not hold: WrongExpectedRevisionError;
 * 4. otherwise chain the events onto the head and write them, expecting
 *    EXACTLY the revision we read, so a racing writer makes ESDB refuse.
 */
export type AppendPlan =
  | { readonly kind: 'done'; readonly result: AppendResult }
  | { readonly kind: 'write'; readonly actual: number; readonly events: readonly ChainedEvent[] };

/** `tail` is the stream's last events, newest first, at least `events.length` of them when the stream has that many. */
export function planAppend(
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  tail: readonly RecordedEvent[],
): AppendPlan {
  assertDistinctIds(streamName, events);
  const head = tail[0];
  const actual = head?.revision ?? -1;

  if (events.length > 0 && tail.length >= events.length) {
    const appended = tail.slice(0, events.length).reverse();
    if (appended.every((stored, i) => stored.id === events[i]!.id)) {
      return { kind: 'done', result: { nextExpectedRevision: actual, position: head!.position } };
    }
  }
  const storedIds = new Set(tail.map((event) => event.id));
  const duplicates = events.filter((event) => storedIds.has(event.id)).map((event) => event.id);
  if (duplicates.length > 0) throw new DuplicateEventError(streamName, duplicates);

  if (!expectationHolds(expected, actual)) throw new WrongExpectedRevisionError(streamName, expected, actual);

  if (events.length === 0) {
    return { kind: 'done', result: { nextExpectedRevision: actual, position: head?.position ?? START } };
  }
  const chainHead = head ? { revision: head.revision, hash: head.hash } : null;
  return { kind: 'write', actual, events: chainEvents(streamName, events, chainHead) };
}

/** `actual` is the stream's last revision, -1 when it does not exist. */
export function expectationHolds(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

function assertDistinctIds(streamName: string, events: readonly NewEvent[]): void {
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) {
      throw new ValidationError(`append to ${streamName}: event id ${event.id} appears twice in one append`);
    }
    seen.add(event.id);
  }
}
