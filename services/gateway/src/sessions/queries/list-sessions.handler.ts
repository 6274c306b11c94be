import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ValidationError } from '@portcullis/events';
import type { SqlDatabase } from '@portcullis/eventstore';
import { READ_MODEL_DB } from '../../tokens.js';
import { ListSessionsQuery } from './list-sessions.query.js';
import type { SessionPage, SessionView } from './session.view.js';

interface SessionRow {
  session_id: string;
  status: string;
  protocol: string;
  front_end: string;
  target_name: string;
  subject: string | null;
  issuer: string | null;
  app_id: string | null;
  identity_kind: string | null;
  client_address: string;
  policy_revision: string | null;
  opened_at: Date | string;
  closed_at: Date | string | null;
  close_reason: string | null;
  reject_reason: string | null;
  commands: number;
  blocked: number;
  bytes_from_client: string | number | null;
  bytes_to_client: string | number | null;
  duration_ms: number | null;
  gateway_instance: string;
}

/** Newest first, keyset-paginated on (opened_at, session_id). */
@QueryHandler(ListSessionsQuery)
export class ListSessionsHandler implements IQueryHandler<ListSessionsQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ filter }: ListSessionsQuery): Promise<SessionPage> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.target) where.push(`target_name = $${params.push(filter.target)}`);
    if (filter.identity) {
      const at = params.push(filter.identity);
      where.push(`(subject = $${at} OR app_id = $${at})`);
    }
    // Sessions live at some moment in [liveFrom, liveTo); a rejected one "closed" when it was rejected.
    if (filter.liveFrom) {
      where.push(`(closed_at IS NULL OR closed_at >= $${params.push(filter.liveFrom)}::timestamptz)`);
    }
    if (filter.liveTo) where.push(`opened_at < $${params.push(filter.liveTo)}::timestamptz`);
    if (filter.before) {
      const [openedAt, sessionId] = decodeCursor(filter.before);
      where.push(
        `(opened_at, session_id) < ($${params.push(openedAt)}::timestamptz, $${params.push(sessionId)})`,
      );
    }
    const { rows } = await this.db.query<SessionRow>(
      `SELECT * FROM portcullis_rm_sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY opened_at DESC, session_id DESC LIMIT $${params.push(filter.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(toView);
    const last = items.at(-1);
    return {
      items,
      next: rows.length > filter.limit && last ? encodeCursor(last.openedAt, last.sessionId) : null,
    };
  }
}

function toView(row: SessionRow): SessionView {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  const num = (n: string | number | null) => (n === null ? null : Number(n));
  return {
    sessionId: row.session_id,
    status: row.status,
    protocol: row.protocol,
    frontEnd: row.front_end,
    targetName: row.target_name,
    subject: row.subject,
    issuer: row.issuer,
    appId: row.app_id,
    identityKind: row.identity_kind,
    clientAddress: row.client_address,
    policyRevision: row.policy_revision,
    openedAt: iso(row.opened_at)!,
    closedAt: iso(row.closed_at),
    closeReason: row.close_reason,
    rejectReason: row.reject_reason,
    commands: row.commands,
    blocked: row.blocked,
    bytesFromClient: num(row.bytes_from_client),
    bytesToClient: num(row.bytes_to_client),
    durationMs: row.duration_ms,
    gatewayInstance: row.gateway_instance,
  };
}

const encodeCursor = (openedAt: string, sessionId: string) =>
  Buffer.from(JSON.stringify([openedAt, sessionId])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('invalid cursor', [
    { path: 'before', message: 'is not a cursor this API returned' },
  ]);
}
