import type { UpstreamCredentialIssuedData, UpstreamCredentialRevokedData } from '@portcullis/events';
import type { Identity } from '@portcullis/identity';
import { connectUpstream } from '../connection/connect-upstream.js';
import { SessionRefusal, SqlState } from '../connection/session-refusal.js';
import type { PgProxyOptions, ProxyLogger } from '../listener/proxy-options.js';
import { QueryConnection } from '../upstream/query-connection.js';
import type { UpstreamSession } from '../upstream/upstream-auth.js';
import { DEFAULT_MAX_SESSION_SECONDS } from './credential-options.js';
import { createEphemeralRole, dropEphemeralRole, type EphemeralRole } from './ephemeral-role.js';

export type CredentialIssued = Omit<UpstreamCredentialIssuedData, 'sessionId'>;
export type CredentialRevoked = Omit<UpstreamCredentialRevokedData, 'sessionId'>;

/** The session's own upstream connection, and the credential it was opened with. */
export interface SessionUpstream {
  readonly upstream: UpstreamSession;
  /** What UpstreamCredentialIssued records, when a credential was issued for the session. */
  readonly issued?: CredentialIssued;
  /** The credential's end: the proxy closes the session then. */
  readonly endsAt?: Date;
  /** After the session: takes back what was issued; what UpstreamCredentialRevoked records (undefined: nothing issued, or not taken back). */
  revoke(): Promise<CredentialRevoked | undefined>;
}

export interface SessionUpstreamRequest {
  readonly sessionId: string;
  readonly identity: Identity;
  /** The role policy grants (the session decision's `upstream.role`). */
  readonly grantedRole: string | undefined;
  /** A session approval's window end, when the session was admitted through one. */
  readonly approvedUntil?: Date;
  /** As the upstream shows it in pg_stat_activity and its logs. */
  readonly applicationName: string;
  readonly now?: () => number;
}

/**
 * Step 5: the session's upstream connection, as the target's credential mode
 * says (credentials/credential-options.ts). Fails closed: a credential that
 * cannot be issued refuses the session (`upstream_credential_failed`), and
 * no session runs as the administrative user in a mode that promises
 * otherwise.
 */
export async function connectSessionUpstream(
  options: Pick<PgProxyOptions, 'upstream' | 'credential' | 'gatewayInstance' | 'target'>,
  request: SessionUpstreamRequest,
  logger: Pick<ProxyLogger, 'error'>,
): Promise<SessionUpstream> {
  const mode = options.credential?.mode ?? 'off';
  if (mode === 'off') {
    const upstream = await connectUpstream(options.upstream, request.applicationName);
    return { upstream, revoke: () => Promise.resolve(undefined) };
  }
  const grantedRole = request.grantedRole;
  if (grantedRole === undefined) {
    throw new SessionRefusal(
      'no_upstream_role',
      `target credential mode ${mode} needs a role to act as, and policy data names none (postgres_role of a grant or the target)`,
      SqlState.InvalidAuthorization,
      'portcullis: no upstream role is granted for this session',
      request.identity,
    );
  }
  if (mode === 'set-role') {
    const upstream = await connectUpstream(options.upstream, request.applicationName, {
      parameters: { role: grantedRole },
    }).catch((error: unknown) => {
      throw credentialFailed(request.identity, `SET ROLE ${grantedRole}: ${messageOf(error)}`);
    });
    return {
      upstream,
      issued: { mechanism: 'set-role', grantedRole },
      revoke: () => Promise.resolve({ mechanism: 'set-role', reason: 'session_closed' }),
    };
  }
  const now = request.now?.() ?? Date.now();
  const maxSeconds = options.credential?.maxSessionSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  const validUntil = new Date(
    Math.min(now + maxSeconds * 1000, request.approvedUntil?.getTime() ?? Number.POSITIVE_INFINITY),
  );
  let role: EphemeralRole;
  try {
    role = await withAdmin(options, (admin) =>
      createEphemeralRole(admin, {
        sessionId: request.sessionId,
        grantedRole,
        validUntil,
        gatewayInstance: options.gatewayInstance,
        target: options.target.name,
        now: new Date(now),
      }),
    );
  } catch (error) {
    throw credentialFailed(request.identity, `CREATE ROLE for ${grantedRole}: ${messageOf(error)}`);
  }
  // Once: the refusal path and the close path may both ask.
  let revoking: Promise<CredentialRevoked | undefined> | undefined;
  const revoke = () => (revoking ??= dropRole());
  const dropRole = async (): Promise<CredentialRevoked | undefined> => {
    try {
      const { backendsTerminated } = await withAdmin(options, (admin) => dropEphemeralRole(admin, role));
      return { mechanism: 'ephemeral-role', role: role.name, reason: 'session_closed', backendsTerminated };
    } catch (error) {
      logger.error(
        { sessionId: request.sessionId, role: role.name, err: messageOf(error) },
        'could not drop the ephemeral role: the next start sweeps it',
      );
      return undefined;
    }
  };
  let upstream: UpstreamSession;
  try {
    upstream = await connectUpstream(options.upstream, request.applicationName, {
      user: role.name,
      password: role.password,
    });
  } catch (error) {
    await revoke();
    throw credentialFailed(request.identity, `login as ${role.name}: ${messageOf(error)}`);
  }
  return {
    upstream,
    issued: {
      mechanism: 'ephemeral-role',
      role: role.name,
      grantedRole,
      validUntil: validUntil.toISOString(),
    },
    endsAt: validUntil,
    revoke,
  };
}

/** One short administrative session for one job, closed whatever happens. */
export async function withAdmin<T>(
  options: Pick<PgProxyOptions, 'upstream'>,
  job: (admin: QueryConnection) => Promise<T>,
): Promise<T> {
  const admin = await QueryConnection.open(
    () => connectUpstream(options.upstream, 'credentials'),
    'upstream credential',
    'SET standard_conforming_strings = on',
  );
  try {
    return await job(admin);
  } finally {
    admin.close();
  }
}

function credentialFailed(identity: Identity, detail: string): SessionRefusal {
  return new SessionRefusal(
    'upstream_credential_failed',
    detail,
    SqlState.ConnectionFailure,
    "portcullis: the session's upstream credential could not be issued",
    identity,
  );
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * What `portcullis config check` asks of an `ephemeral-role` target: can its
 * administrative user create login roles at all (CREATEROLE or superuser)?
 * Resolves with a description, rejects with what is missing. Whether it may
 * grant a given role is known only per role, at a session's start.
 */
export async function checkCredentialRights(options: Pick<PgProxyOptions, 'upstream'>): Promise<string> {
  const rows = await withAdmin(options, (admin) =>
    admin.query(
      `SELECT rolsuper, rolcreaterole, pg_has_role(current_user, 'pg_signal_backend', 'USAGE') ` +
        `FROM pg_roles WHERE rolname = current_user`,
    ),
  );
  const [superuser, createRole, signal] = rows[0] ?? [];
  if (superuser !== 't' && createRole !== 't')
    throw new Error(
      `${options.upstream.user} has neither CREATEROLE nor SUPERUSER: it cannot create session roles`,
    );
  const ends = superuser === 't' || signal === 't';
  return `${options.upstream.user} may create session roles (${superuser === 't' ? 'superuser' : 'CREATEROLE'})${
    ends ? '' : "; without pg_signal_backend it cannot end a role's backends at close"
  }`;
}
