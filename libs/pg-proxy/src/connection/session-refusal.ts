import { ErrorCode, PortcullisError, type Identity } from '@portcullis/events';

/**
 * Why a connection did not become a session. Carries two audiences apart:
 * `reason`/`detail` go into the SessionRejected event, `sqlState` and
 * `clientMessage` are all the client is told (never which check failed).
 * Turned into an ErrorResponse only at the edge (handle-connection.ts).
 */
export class SessionRefusal extends PortcullisError {
  constructor(
    readonly reason: string,
    readonly detail: string,
    readonly sqlState: string,
    readonly clientMessage: string,
    readonly identity?: Identity,
  ) {
    super(refusalCode(sqlState), `session refused (${reason}): ${detail}`, { details: { reason, sqlState } });
  }
}

/** Whatever stopped a session from opening, as the refusal it is: a SessionRefusal as is, anything else an internal error. */
export function asSessionRefusal(error: unknown, identity?: Identity): SessionRefusal {
  if (error instanceof SessionRefusal) return error;
  return new SessionRefusal(
    'internal_error',
    error instanceof Error ? error.message : String(error),
    SqlState.InternalError,
    'internal error',
    identity,
  );
}

/** The store could not record what a session needs recorded first: no audit, no session (fail closed). */
export function storeUnavailable(error: unknown, identity?: Identity): SessionRefusal {
  return new SessionRefusal(
    'store_unavailable',
    error instanceof Error ? error.message : String(error),
    SqlState.ConnectionFailure,
    'the audit store is unavailable',
    identity,
  );
}

function refusalCode(sqlState: string): PortcullisError['code'] {
  if (sqlState.startsWith('28')) return ErrorCode.Unauthenticated;
  if (sqlState.startsWith('08') || sqlState.startsWith('57')) return ErrorCode.Unavailable;
  if (sqlState.startsWith('3D')) return ErrorCode.NotFound;
  return ErrorCode.Validation;
}

/** What clients are told when authentication fails, whatever the cause (docs/architecture.md "Wire contract"). */
export const AUTHENTICATION_FAILED = 'authentication failed';

export const SqlState = {
  ProtocolViolation: '08P01',
  ConnectionFailure: '08006',
  InvalidDatabase: '3D000',
  InvalidPassword: '28P01',
  InvalidAuthorization: '28000',
  InsufficientPrivilege: '42501',
  AdminShutdown: '57P01',
  TooManyConnections: '53300',
  /** PostgreSQL's idle_session_timeout. */
  IdleSessionTimeout: '57P05',
  FeatureNotSupported: '0A000',
  InternalError: 'XX000',
} as const;
