import { ErrorCode, PortcullisError, type Identity } from '@portcullis/events';

/**
 * Why a connection did not become a session. `reason`/`detail` go into the
 * SessionRejected event; the client only ever sees an authentication
 * failure (SSH has no finer answer before the session, and must not learn
 * which check failed).
 */
export class SessionRefusal extends PortcullisError {
  constructor(
    readonly reason: string,
    readonly detail: string,
    readonly identity?: Identity,
  ) {
    super(refusalCode(reason), `session refused (${reason}): ${detail}`, { details: { reason } });
  }
}

function refusalCode(reason: string): PortcullisError['code'] {
  if (reason === 'policy_denied') return ErrorCode.Forbidden;
  if (reason === 'unknown_target') return ErrorCode.NotFound;
  if (reason.startsWith('upstream') || reason === 'store_unavailable') return ErrorCode.Unavailable;
  if (reason === 'internal_error') return ErrorCode.Internal;
  return ErrorCode.Unauthenticated;
}
