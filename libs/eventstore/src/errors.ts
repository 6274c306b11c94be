import { ErrorCode, PortcullisError } from '@portcullis/events';
import type { ExpectedRevision } from './port.js';

/** The typed conflict: a second writer raced on a stream, or the caller's view was stale. */
export class WrongExpectedRevisionError extends PortcullisError {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(
      ErrorCode.Concurrency,
      `append to ${streamName}: expected revision ${String(expected)}, but the stream is at ${actual === -1 ? 'no stream' : actual}`,
      { details: { streamName, expected: String(expected), actual } },
    );
  }
}

/** Some of the appended event ids are already stored, but not as this exact append. */
export class DuplicateEventError extends PortcullisError {
  constructor(
    readonly streamName: string,
    readonly eventIds: readonly string[],
  ) {
    super(
      ErrorCode.Concurrency,
      `append to ${streamName}: event ids ${eventIds.join(', ')} were already stored in another append`,
      { details: { streamName, eventIds } },
    );
  }
}

/** The store cannot be reached or refused the operation for reasons outside our control. */
export class StoreUnavailableError extends PortcullisError {
  constructor(store: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.Unavailable, `event store ${store} is unavailable: ${why}`, { cause });
  }
}
