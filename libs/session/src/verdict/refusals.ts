/**
 * Every refusal text the session core gives, in one table. Front ends put
 * them into their wire format at the edge (a PostgreSQL ErrorResponse, SSH
 * stderr with exit 126, an SFTP status) with `denied()`.
 */
export const Refusals = {
  /** The write-ahead append failed or did not complete in time: strict mode fails closed. */
  auditUnavailable: 'audit store unavailable',
  /** Policy neither allowed nor denied with a reason. */
  notAllowed: 'not allowed by policy',
  /** Policy asked for review again once a human had granted it: never loop. */
  reviewAfterApproval: 'policy still requires review after the approval',
  policyError: (message: string) => `policy error: ${message}`,
  policyEvaluationFailed: (message: string) => `policy evaluation failed: ${message}`,
  /** Why a human must look: what the client is told while it waits, or when no one can approve. */
  approvalRequired: (reasons: readonly string[]) =>
    `approval required: ${reasons.join('; ') || 'policy requires review'}`,
  /** A front end without a wire answer for admission (MCP): the session was not admitted; the reason is in SessionRejected. */
  sessionRefused: (target: string) => `no session to ${target}: not authorized`,
  /** An approved command the agent never collected (MCP await_approval) before its session ended: it never ran. */
  notCollected: 'the session ended before the approved command was collected',
  sessionWindowEnded: (approvalId: string, until: Date) =>
    `the approved session window (approval ${approvalId}) ended at ${until.toISOString()}`,
  /** A statement that could change the upstream role of a session switched to a granted role (set-role). */
  roleLocked: (what: readonly string[]) =>
    `${what.join(', ')} is not allowed: this session acts as its granted role and cannot change it`,
} as const;

/** The prefix clients and tests rely on (docs/architecture.md "Wire contract"). */
export const DENIED_PREFIX = 'portcullis: denied: ';

/** A refusal as the client reads it. */
export function denied(reason: string): string {
  return `${DENIED_PREFIX}${reason}`;
}
