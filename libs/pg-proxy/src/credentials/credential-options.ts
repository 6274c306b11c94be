/**
 * How a PostgreSQL target's sessions reach the upstream (docs/pg-proxy.md
 * "Upstream credentials"):
 * - `off`: every session logs in as the target's configured user (shared and
 *   long-lived: the weakest, and the default, as before);
 * - `ephemeral-role`: the configured user is administrative; for each session
 *   it creates a login role `portcullis_<short session id>`, member of the
 *   role policy grants (policy data `postgres_role`), valid until the
 *   session's end bound, and drops it when the session closes;
 * - `set-role`: for servers where roles cannot be created: the session logs
 *   in as the configured user with `role` set to the granted role at startup,
 *   and every statement that could change the role back is refused.
 */
export type UpstreamCredentialMode = 'off' | 'ephemeral-role' | 'set-role';

export interface UpstreamCredentialOptions {
  readonly mode: UpstreamCredentialMode;
  /**
   * The longest a session with an issued credential lasts: the ephemeral
   * role's VALID UNTIL (earlier when a session approval's window ends first),
   * after which the proxy closes the session. Default 3600 s.
   */
  readonly maxSessionSeconds?: number;
}

export const DEFAULT_MAX_SESSION_SECONDS = 3600;
