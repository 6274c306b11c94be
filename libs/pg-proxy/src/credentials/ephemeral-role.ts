import { randomBytes } from 'node:crypto';
import type { QueryConnection } from '../upstream/query-connection.js';
import { scramVerifier } from '../upstream/scram.js';
import { identifier, literal } from './sql-text.js';

/** Every ephemeral role's name starts so; the sweep looks only at these, and only at ones whose comment says ours. */
export const ROLE_PREFIX = 'portcullis_';
/** The comment on an ephemeral role starts so, followed by JSON (RoleLabel). */
const COMMENT_PREFIX = 'portcullis ephemeral role ';

/** What the role's COMMENT records: whose session, which gateway and target, since when. */
export interface RoleLabel {
  readonly session: string;
  readonly instance: string;
  /** Targets of one gateway may share a server: each sweeps only its own roles, before it listens. */
  readonly target: string;
  readonly created: string;
  readonly grantedRole: string;
}

export interface EphemeralRole {
  readonly name: string;
  /** Only ever in memory: the session's login, then forgotten. */
  readonly password: string;
  readonly grantedRole: string;
  readonly validUntil: Date;
}

/** `portcullis_` and the session id's first 12 hex digits: short enough for logs, unique enough in practice (a clash fails the CREATE). */
export function ephemeralRoleName(sessionId: string): string {
  return ROLE_PREFIX + sessionId.replace(/-/g, '').slice(0, 12).toLowerCase();
}

/**
 * Creates the session's login role, in one implicit transaction: no rights
 * of its own (no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS),
 * INHERIT so it acts with the granted role's rights as itself (current_user
 * is the ephemeral role; NOINHERIT would need a SET ROLE the client could
 * undo), one connection, VALID UNTIL the session's end bound. The password
 * is random and sent only as its SCRAM verifier, so the server's statement
 * log never holds it. The COMMENT dates and names it for the sweep.
 */
export async function createEphemeralRole(
  admin: QueryConnection,
  request: {
    sessionId: string;
    grantedRole: string;
    validUntil: Date;
    gatewayInstance: string;
    target: string;
    now?: Date;
  },
): Promise<EphemeralRole> {
  const name = ephemeralRoleName(request.sessionId);
  const password = randomBytes(24).toString('base64url');
  const label: RoleLabel = {
    session: request.sessionId,
    instance: request.gatewayInstance,
    target: request.target,
    created: (request.now ?? new Date()).toISOString(),
    grantedRole: request.grantedRole,
  };
  await admin.query(
    `CREATE ROLE ${identifier(name)} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
      `CONNECTION LIMIT 1 PASSWORD ${literal(scramVerifier(password))} ` +
      `VALID UNTIL ${literal(request.validUntil.toISOString())} IN ROLE ${identifier(request.grantedRole)}; ` +
      `COMMENT ON ROLE ${identifier(name)} IS ${literal(COMMENT_PREFIX + JSON.stringify(label))}`,
  );
  return { name, password, grantedRole: request.grantedRole, validUntil: request.validUntil };
}

/**
 * Ends the role's backends, hands what it created to the granted role (the
 * session acted as that role), and drops it. Resolves with how many backends
 * were ended; rejects when the role could not be dropped (it stays for the
 * next start's sweep, and expires at VALID UNTIL meanwhile).
 */
export async function dropEphemeralRole(
  admin: QueryConnection,
  role: { name: string; grantedRole: string },
): Promise<{ backendsTerminated: number }> {
  // An administrative user without pg_signal_backend cannot end them: the role is dropped all the same.
  const rows = await admin
    .query(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = ${literal(role.name)}`,
    )
    .catch(() => [['0']]);
  const backendsTerminated = Number(rows[0]?.[0] ?? 0);
  const name = identifier(role.name);
  try {
    await admin.query(
      `REASSIGN OWNED BY ${name} TO ${identifier(role.grantedRole)}; DROP OWNED BY ${name}; DROP ROLE ${name}`,
    );
  } catch (error) {
    // The granted role may be gone too; a role that owns nothing drops on its own.
    await admin.query(`DROP ROLE IF EXISTS ${name}`).catch(() => {
      throw error;
    });
  }
  return { backendsTerminated };
}

/** Roles this gateway instance made for this target and did not drop (it died): what the sweep removes. */
export async function leftoverRoles(
  admin: QueryConnection,
  gatewayInstance: string,
  target: string,
): Promise<(RoleLabel & { name: string })[]> {
  const rows = await admin.query(
    `SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles ` +
      `WHERE rolname LIKE ${literal(ROLE_PREFIX.replace(/_/g, '\\_') + '%')}`,
  );
  const found: (RoleLabel & { name: string })[] = [];
  for (const [name, comment] of rows) {
    const label = parseLabel(comment);
    if (name && label && label.instance === gatewayInstance && label.target === target)
      found.push({ name, ...label });
  }
  return found;
}

function parseLabel(comment: string | null | undefined): RoleLabel | undefined {
  if (!comment?.startsWith(COMMENT_PREFIX)) return undefined;
  try {
    const label = JSON.parse(comment.slice(COMMENT_PREFIX.length)) as Partial<RoleLabel>;
    return typeof label.session === 'string' &&
      typeof label.instance === 'string' &&
      typeof label.target === 'string' &&
      typeof label.created === 'string' &&
      typeof label.grantedRole === 'string'
      ? (label as RoleLabel)
      : undefined;
  } catch {
    return undefined;
  }
}
