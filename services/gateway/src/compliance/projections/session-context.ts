import type { DomainEvent, Recorded, SessionOpenedData } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';

/** Who opened a session, to which target: what a command's or a masked result's row is attributed to. */
export interface SessionContext {
  readonly protocol: string;
  readonly target_name: string;
  readonly subject: string | null;
  readonly issuer: string | null;
  readonly app_id: string | null;
  readonly tenant_id: string | null;
  readonly identity_kind: string | null;
}

/**
 * Each compliance projection keeps its own `<table>` of sessions (a
 * projection reads only its own tables, so it rebuilds on its own). Later
 * events of a session come after its SessionOpened in the session's stream,
 * hence in the global order every projection reads.
 */
export async function rememberSession(
  tx: SqlExecutor,
  table: string,
  data: SessionOpenedData,
): Promise<void> {
  const { identity } = data;
  await tx.query(
    `INSERT INTO ${table} (session_id, protocol, target_name, subject, issuer, app_id, tenant_id, identity_kind)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (session_id) DO NOTHING`,
    [
      data.sessionId,
      data.protocol,
      data.target.name,
      identity.subject,
      identity.issuer,
      identity.app_id ?? null,
      identity.tenant_id ?? null,
      identity.kind,
    ],
  );
}

/** The session's context, or undefined for a session this projection never saw open. */
export async function sessionContext(
  tx: SqlExecutor,
  table: string,
  sessionId: string,
): Promise<SessionContext | undefined> {
  const { rows } = await tx.query<SessionContext>(
    `SELECT protocol, target_name, subject, issuer, app_id, tenant_id, identity_kind FROM ${table} WHERE session_id = $1`,
    [sessionId],
  );
  return rows[0];
}

/** The event's global position as the two numeric columns every compliance row is ordered by. */
export const positionOf = (event: Recorded<DomainEvent>): [string, string] => [
  event.position.commit.toString(),
  event.position.prepare.toString(),
];

/** Values a ResultMasked masked in all (its columns' counts). */
export const maskedCount = (columns: readonly { count: number }[]): number =>
  columns.reduce((sum, c) => sum + c.count, 0);
