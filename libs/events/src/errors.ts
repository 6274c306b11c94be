/**
 * The one error base of Portcullis. Every error we raise carries a code from
 * this table, so callers branch on `code` (never on message text or vendor
 * classes) and the edges (wire protocol, HTTP, CLI) map codes to their own
 * format in one place. Subclasses live next to the code that raises them.
 */
export const ErrorCode = {
  /** Input failed validation: a bad config key, a malformed event, bad Rego. */
  Validation: 'VALIDATION',
  /** The thing asked for does not exist. */
  NotFound: 'NOT_FOUND',
  /** An optimistic-concurrency check failed (expected revision mismatch). */
  Concurrency: 'CONCURRENCY',
  /** Policy or a host-side rule said no. */
  Forbidden: 'FORBIDDEN',
  /** Identity could not be established. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** A dependency (event store, upstream server, JWKS endpoint) is unreachable. */
  Unavailable: 'UNAVAILABLE',
  /** Stored data does not match what was written (a broken hash chain). */
  Integrity: 'INTEGRITY',
  /** A bug or an unexpected state: fail closed and say so. */
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class PortcullisError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

export class ValidationError extends PortcullisError {
  /** Each problem names where (a JSON pointer or config path) and why. */
  readonly problems: readonly { path: string; message: string }[];
  constructor(message: string, problems: readonly { path: string; message: string }[] = []) {
    super(ErrorCode.Validation, problems.length ? `${message}: ${formatProblems(problems)}` : message, {
      details: { problems },
    });
    this.problems = problems;
  }
}

function formatProblems(problems: readonly { path: string; message: string }[]): string {
  return problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ');
}

export function isPortcullisError(error: unknown, code?: ErrorCode): error is PortcullisError {
  return error instanceof PortcullisError && (code === undefined || error.code === code);
}
