import {
  ErrorCode,
  PortcullisError,
  type CommandReceivedData,
  type DomainEvent,
  type SessionClosedData,
  type SessionEvent,
  type SessionOpenedData,
  type SessionRejectedData,
} from '@portcullis/events';

/**
 * The Session aggregate as a pure decider: `decide(command, state)` returns
 * the events a command produces (or throws a SessionRuleError),
 * `evolve(state, event)` folds an event into the state. No I/O.
 */
export type SessionState =
  | { status: 'none' }
  | { status: 'open'; sessionId: string; lastSequence: number }
  | { status: 'closed'; sessionId: string; lastSequence: number }
  | { status: 'rejected'; sessionId: string };

export type SessionCommand =
  | { type: 'OpenSession'; data: SessionOpenedData }
  | { type: 'RejectSession'; data: SessionRejectedData }
  | { type: 'RecordCommand'; data: Omit<CommandReceivedData, 'sequence'> }
  | { type: 'CloseSession'; data: SessionClosedData };

export const initialSessionState = (): SessionState => ({ status: 'none' });

export class SessionRuleError extends PortcullisError {
  constructor(
    message: string,
    code: typeof ErrorCode.Validation | typeof ErrorCode.Concurrency = ErrorCode.Validation,
  ) {
    super(code, message);
  }
}

export function decideSession(command: SessionCommand, state: SessionState): SessionEvent[] {
  switch (command.type) {
    case 'OpenSession':
      if (state.status !== 'none')
        throw new SessionRuleError(`session ${command.data.sessionId} already exists`);
      return [{ type: 'SessionOpened', data: command.data }];
    case 'RejectSession':
      if (state.status !== 'none')
        throw new SessionRuleError(`session ${command.data.sessionId} already exists`);
      return [{ type: 'SessionRejected', data: command.data }];
    case 'RecordCommand':
      if (state.status !== 'open') {
        throw new SessionRuleError(
          `session ${command.data.sessionId} is ${state.status}: no commands can be recorded`,
        );
      }
      return [{ type: 'CommandReceived', data: { ...command.data, sequence: state.lastSequence + 1 } }];
    case 'CloseSession':
      if (state.status === 'closed') return []; // closing twice is harmless: the client went away once
      if (state.status !== 'open') {
        throw new SessionRuleError(
          `session ${command.data.sessionId} is ${state.status}: it cannot be closed`,
        );
      }
      return [{ type: 'SessionClosed', data: command.data }];
  }
}

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionOpened':
      return { status: 'open', sessionId: event.data.sessionId, lastSequence: 0 };
    case 'SessionRejected':
      return { status: 'rejected', sessionId: event.data.sessionId };
    case 'CommandReceived':
      return state.status === 'open' ? { ...state, lastSequence: event.data.sequence } : state;
    case 'SessionClosed':
      return state.status === 'open'
        ? { status: 'closed', sessionId: state.sessionId, lastSequence: state.lastSequence }
        : state;
    case 'CommandDecided':
    case 'CommandBlocked':
    case 'CommandForwarded':
    case 'CommandCompleted':
    case 'ResultMasked':
    case 'OutputRecorded':
    case 'CommandOutcomeUnknown':
    case 'CommandsUnrecorded':
      return state;
    default:
      return assertNever(event);
  }
}

function assertNever(event: never): never {
  throw new PortcullisError(ErrorCode.Internal, `unhandled session event ${(event as DomainEvent).type}`);
}
