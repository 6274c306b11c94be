import { ErrorType, type EventStoreDBClient } from '@eventstore/db-client';
import { ErrorCode, PortcullisError, ValidationError, type NewEvent } from '@portcullis/events';
import { WrongExpectedRevisionError } from '../errors.js';
import { CHECKPOINT_STREAM_PREFIX } from './event-filter.js';
import type { AppendResult, ExpectedRevision } from '../port.js';
import { planAppend } from './plan-append.js';
import {
  currentRevisionToNumber,
  exactEsdbExpectation,
  fromEsdbPosition,
  revisionToNumber,
} from './position.js';
import { readStreamEvents } from './read-stream.js';
import { toEsdbEventData } from './stored-event.js';
import { isEsdbError, translateEsdbError } from './translate-error.js';

export type StreamAppender = Pick<EventStoreDBClient, 'readStream' | 'appendToStream'>;

/** How many times a lost race is retried before the caller gets WrongExpectedRevisionError. */
export const DEFAULT_APPEND_ATTEMPTS = 5;

/**
 * The hash chain needs the previous event's hash, which EventStoreDB cannot
 * supply inside its own write. So each attempt reads the tail, decides with
 * planAppend (idempotent retry, duplicate, expectation, chain) and writes
 * with ESDB's expectedRevision set to the exact revision it read. If another
 * writer got in between, ESDB refuses; the next attempt re-reads, and then
 * either finds our own events (an idempotent success), finds the caller's
 * expectation broken (WrongExpectedRevisionError), or — for `any` and for a
 * `stream_exists` that still holds — chains onto the new head and tries
 * again, at most `attempts` times.
 */
export async function appendEvents(
  client: StreamAppender,
  store: string,
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  attempts = DEFAULT_APPEND_ATTEMPTS,
): Promise<AppendResult> {
  assertWritableStream(streamName);
  let lastActual = -1;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const tail = await readStreamEvents(
      client,
      store,
      streamName,
      { direction: 'backwards', maxCount: Math.max(1, events.length) },
      true,
    );
    const plan = planAppend(streamName, events, expected, tail);
    if (plan.kind === 'done') return plan.result;
    try {
      const written = await client.appendToStream(streamName, plan.events.map(toEsdbEventData), {
        expectedRevision: exactEsdbExpectation(plan.actual),
        requiresLeader: true,
      });
      // Only when the connection string says throwOnAppendFailure=false: the same race, reported as a value.
      if (!written.success) {
        lastActual = revisionToNumber(written.nextExpectedRevision);
        continue;
      }
      if (written.position === undefined) {
        throw new PortcullisError(
          ErrorCode.Internal,
          `${store} did not return the position of the append to ${streamName}`,
        );
      }
      return {
        nextExpectedRevision: revisionToNumber(written.nextExpectedRevision),
        position: fromEsdbPosition(written.position),
      };
    } catch (error) {
      if (isEsdbError(error, ErrorType.WRONG_EXPECTED_VERSION)) {
        lastActual = currentRevisionToNumber(error.actualVersion);
        continue;
      }
      throw translateEsdbError(error, store, { expected });
    }
  }
  throw new WrongExpectedRevisionError(streamName, expected, lastActual);
}

/**
 * `$`-streams are ESDB's system streams (and `$$x` is the metadata of `x`);
 * events there, or in our checkpoint streams, would vanish from readAll.
 */
export function assertWritableStream(streamName: string): void {
  if (streamName === '' || streamName.startsWith('$') || streamName.startsWith(CHECKPOINT_STREAM_PREFIX)) {
    throw new ValidationError(`cannot append to stream "${streamName}"`, [
      {
        path: 'streamName',
        message: `must be non-empty and start with neither "$" nor "${CHECKPOINT_STREAM_PREFIX}"`,
      },
    ]);
  }
}
