import { ErrorType, isCommandError, type CommandError } from '@eventstore/db-client';
import { ErrorCode, PortcullisError } from '@portcullis/events';
import { StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import type { ExpectedRevision } from '../port.js';
import { currentRevisionToNumber, fromEsdbExpectation } from './position.js';

/**
 * The one place where EventStoreDB's errors become ours. Nothing thrown by
 * `@eventstore/db-client` leaves the adapter: it is translated here and
 * kept only as `cause`.
 */
export function translateEsdbError(
  error: unknown,
  store: string,
  context: { expected?: ExpectedRevision } = {},
): PortcullisError {
  if (error instanceof PortcullisError) return error;
  const commandError = asCommandError(error);
  switch (commandError?.type) {
    case ErrorType.WRONG_EXPECTED_VERSION:
      return new WrongExpectedRevisionError(
        commandError.streamName,
        context.expected ?? fromEsdbExpectation(commandError.expectedVersion),
        currentRevisionToNumber(commandError.actualVersion),
      );
    case ErrorType.STREAM_DELETED:
      // Audit streams are never deleted by Portcullis: a tombstone is tampering or an operator's mistake.
      return new PortcullisError(
        ErrorCode.Integrity,
        `stream ${commandError.streamName} was deleted in ${store}`,
        {
          cause: error,
          details: { streamName: commandError.streamName },
        },
      );
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return new PortcullisError(
        ErrorCode.Validation,
        `append is larger than ${store} accepts (${commandError.maxAppendSize} bytes)`,
        { cause: error },
      );
    default:
      // Connection loss, deadlines, not-leader, access denied, unknown: all "the store cannot do it now".
      return new StoreUnavailableError(store, error);
  }
}

/**
 * Errors after which a subscription reconnects. Anything that is not a
 * recognised command error (a raw gRPC or socket error) counts as transient.
 */
export function isTransientEsdbError(error: unknown): boolean {
  const commandError = asCommandError(error);
  if (commandError === undefined) return !(error instanceof PortcullisError);
  switch (commandError.type) {
    case ErrorType.UNAVAILABLE:
    case ErrorType.DEADLINE_EXCEEDED:
    case ErrorType.TIMEOUT:
    case ErrorType.CANCELLED:
    case ErrorType.UNKNOWN:
    case ErrorType.NOT_LEADER:
      return true;
    default:
      return false;
  }
}

/** Narrows a thrown value to one kind of ESDB command error (the client converts gRPC errors itself). */
export function isEsdbError<T extends ErrorType>(
  error: unknown,
  type: T,
): error is Extract<CommandError, { type: T }> {
  return asCommandError(error)?.type === type;
}

function asCommandError(error: unknown): CommandError | undefined {
  if (!(error instanceof Error)) return undefined;
  return isCommandError(error) ? error : undefined;
}
