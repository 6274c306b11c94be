import { ErrorCode, PortcullisError } from '@portcullis/events';

export type AccessRefusalReason =
  'unknown_session' | 'session_closed' | 'session_rejected' | 'unknown_revocation' | 'already_lifted';

/** HTTP-independent: the problem filter maps the code (404, 409). */
const CODES: Record<AccessRefusalReason, ErrorCode> = {
  unknown_session: ErrorCode.NotFound,
  session_closed: ErrorCode.Concurrency,
  session_rejected: ErrorCode.Concurrency,
  unknown_revocation: ErrorCode.NotFound,
  already_lifted: ErrorCode.Concurrency,
};

/** A termination or lift that cannot be done; the body's `reason` says which. */
export class AccessRefusedError extends PortcullisError {
  constructor(
    readonly reason: AccessRefusalReason,
    message: string,
  ) {
    super(CODES[reason], message, { details: { reason } });
  }
}
