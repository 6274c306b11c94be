import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { SqlDatabase } from '@portcullis/eventstore';
import { READ_MODEL_DB } from '../../tokens.js';
import {
  ApprovalServiceLevelsQuery,
  ListCommandsQuery,
  ListIdentitiesQuery,
  ListSensitiveAccessQuery,
} from './compliance.queries.js';
import type {
  ApprovalServiceLevels,
  CommandPage,
  CommandView,
  IdentityPage,
  IdentityTargetView,
  IdentityView,
  SensitiveAccessPage,
  SensitiveAccessView,
} from './compliance.views.js';
import { iso, num, pageOf, Where, type RowKey } from './paging.js';

type Timestamp = Date | string;
type Numeric = string | number;

interface Positioned {
  position_commit: Numeric;
  position_prepare: Numeric;
}
const keyOf = (row: Positioned & { item?: number }): RowKey => [
  String(row.position_commit),
  String(row.position_prepare),
  row.item ?? 0,
];
const positionText = (row: Positioned) => `${row.position_commit}/${row.position_prepare}`;

interface CommandRow extends Positioned {
  session_id: string;
  sequence: number;
  protocol: string;
  target_name: string | null;
  subject: string | null;
  issuer: string | null;
  app_id: string | null;
  tenant_id: string | null;
  text: string;
  classification: CommandView['classification'];
  outcome: string | null;
  reasons: string[];
  policy_revision: string | null;
  approval_id: string | null;
  status: string;
  status_reason: string | null;
  masks: CommandView['masks'];
  masked_values: number;
  rows: Numeric | null;
  duration_ms: number | null;
  command_tag: string | null;
  error_code: string | null;
  received_at: Timestamp;
  completed_at: Timestamp | null;
}

@QueryHandler(ListCommandsQuery)
export class ListCommandsHandler implements IQueryHandler<ListCommandsQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ filter, page }: ListCommandsQuery): Promise<CommandPage> {
    const where = new Where().identityAndTarget(filter);
    if (filter.outcome !== undefined) where.add('outcome = ?', filter.outcome);
    if (filter.status !== undefined) where.add('status = ?', filter.status);
    if (filter.session !== undefined) where.add('session_id = ?', filter.session);
    if (filter.from !== undefined) where.add('received_at >= ?::timestamptz', filter.from);
    if (filter.to !== undefined) where.add('received_at < ?::timestamptz', filter.to);
    where.after(page.cursor);
    const { rows } = await this.db.query<CommandRow>(
      `SELECT * FROM portcullis_rm_commands ${where}
        ORDER BY position_commit, position_prepare LIMIT ${where.placeholder(page.limit + 1)}`,
      where.params,
    );
    return pageOf(rows, page.limit, commandView, keyOf);
  }
}

const commandView = (row: CommandRow): CommandView => ({
  position: positionText(row),
  sessionId: row.session_id,
  sequence: row.sequence,
  protocol: row.protocol,
  targetName: row.target_name,
  subject: row.subject,
  issuer: row.issuer,
  appId: row.app_id,
  tenantId: row.tenant_id,
  text: row.text,
  classification: row.classification,
  outcome: row.outcome,
  reasons: row.reasons,
  policyRevision: row.policy_revision,
  approvalId: row.approval_id,
  status: row.status,
  statusReason: row.status_reason,
  masks: row.masks,
  maskedValues: row.masked_values,
  rows: num(row.rows),
  durationMs: row.duration_ms,
  commandTag: row.command_tag,
  errorCode: row.error_code,
  receivedAt: iso(row.received_at)!,
  completedAt: iso(row.completed_at),
});

interface IdentityRow extends Positioned {
  issuer: string;
  subject: string;
  app_id: string | null;
  tenant_id: string | null;
  identity_kind: string | null;
  sessions: number;
  sessions_rejected: number;
  commands: number;
  denials: number;
  reviews: number;
  masked_values: number;
  first_seen: Timestamp;
  last_seen: Timestamp;
}

interface IdentityTargetRow {
  issuer: string;
  subject: string;
  target_name: string;
  sessions: number;
  first_seen: Timestamp;
  last_seen: Timestamp;
}

@QueryHandler(ListIdentitiesQuery)
export class ListIdentitiesHandler implements IQueryHandler<ListIdentitiesQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ filter, page }: ListIdentitiesQuery): Promise<IdentityPage> {
    const where = new Where().identityAndTarget({ ...filter, target: undefined }, 'i.');
    if (filter.target !== undefined) {
      where.add(
        `EXISTS (SELECT 1 FROM portcullis_rm_identity_targets t
                  WHERE t.issuer = i.issuer AND t.subject = i.subject AND t.target_name = ?)`,
        filter.target,
      );
    }
    if (filter.from !== undefined) where.add('i.last_seen >= ?::timestamptz', filter.from);
    if (filter.to !== undefined) where.add('i.first_seen < ?::timestamptz', filter.to);
    where.after(page.cursor);
    const { rows } = await this.db.query<IdentityRow>(
      `SELECT i.* FROM portcullis_rm_identities i ${where}
        ORDER BY position_commit, position_prepare LIMIT ${where.placeholder(page.limit + 1)}`,
      where.params,
    );
    const result = pageOf(rows, page.limit, (row) => identityView(row, []), keyOf);
    if (result.items.length === 0) return result;
    const { rows: targets } = await this.db.query<IdentityTargetRow>(
      `SELECT t.* FROM portcullis_rm_identity_targets t
         JOIN jsonb_to_recordset($1::jsonb) AS k(issuer text, subject text)
           ON t.issuer = k.issuer AND t.subject = k.subject
        ORDER BY t.target_name`,
      [JSON.stringify(result.items.map(({ issuer, subject }) => ({ issuer, subject })))],
    );
    for (const item of result.items) {
      item.targets = targets
        .filter((t) => t.issuer === item.issuer && t.subject === item.subject)
        .map((t): IdentityTargetView => ({
          targetName: t.target_name,
          sessions: t.sessions,
          firstSeen: iso(t.first_seen)!,
          lastSeen: iso(t.last_seen)!,
        }));
    }
    return result;
  }
}

const identityView = (row: IdentityRow, targets: IdentityTargetView[]): IdentityView => ({
  issuer: row.issuer,
  subject: row.subject,
  appId: row.app_id,
  tenantId: row.tenant_id,
  identityKind: row.identity_kind,
  sessions: row.sessions,
  sessionsRejected: row.sessions_rejected,
  commands: row.commands,
  denials: row.denials,
  reviews: row.reviews,
  maskedValues: row.masked_values,
  firstSeen: iso(row.first_seen)!,
  lastSeen: iso(row.last_seen)!,
  targets,
});

interface SensitiveAccessRow extends Positioned {
  item: number;
  session_id: string;
  sequence: number;
  target_name: string | null;
  subject: string | null;
  issuer: string | null;
  app_id: string | null;
  tenant_id: string | null;
  column_name: string;
  method: string;
  rule: string | null;
  detector: string | null;
  value_count: number;
  accessed_at: Timestamp;
}

@QueryHandler(ListSensitiveAccessQuery)
export class ListSensitiveAccessHandler implements IQueryHandler<ListSensitiveAccessQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ filter, page }: ListSensitiveAccessQuery): Promise<SensitiveAccessPage> {
    const where = new Where().identityAndTarget(filter);
    if (filter.column !== undefined) where.add('column_name = ?', filter.column);
    if (filter.from !== undefined) where.add('accessed_at >= ?::timestamptz', filter.from);
    if (filter.to !== undefined) where.add('accessed_at < ?::timestamptz', filter.to);
    where.after(page.cursor, true);
    const { rows } = await this.db.query<SensitiveAccessRow>(
      `SELECT * FROM portcullis_rm_sensitive_access ${where}
        ORDER BY position_commit, position_prepare, item LIMIT ${where.placeholder(page.limit + 1)}`,
      where.params,
    );
    return pageOf(rows, page.limit, sensitiveAccessView, keyOf);
  }
}

const sensitiveAccessView = (row: SensitiveAccessRow): SensitiveAccessView => ({
  position: positionText(row),
  sessionId: row.session_id,
  sequence: row.sequence,
  targetName: row.target_name,
  subject: row.subject,
  issuer: row.issuer,
  appId: row.app_id,
  tenantId: row.tenant_id,
  column: row.column_name,
  method: row.method,
  rule: row.rule,
  detector: row.detector,
  count: row.value_count,
  accessedAt: iso(row.accessed_at)!,
});

interface ServiceLevelRow {
  approver_group: string;
  target_name: string;
  requested: Numeric;
  decided: Numeric;
  granted: Numeric;
  denied: Numeric;
  expired: Numeric;
  cancelled: Numeric;
  pending: Numeric;
  mean_ms: Numeric | null;
  p50_ms: Numeric | null;
  p95_ms: Numeric | null;
  max_ms: Numeric | null;
}

/** Time from request to decision (granted or denied) over the `approvals` read model, by approver group and target. */
@QueryHandler(ApprovalServiceLevelsQuery)
export class ApprovalServiceLevelsHandler implements IQueryHandler<ApprovalServiceLevelsQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ filter }: ApprovalServiceLevelsQuery): Promise<ApprovalServiceLevels> {
    const where = new Where();
    if (filter.target !== undefined) where.add('a.target_name = ?', filter.target);
    if (filter.group !== undefined) where.add('g.approver_group = ?', filter.group);
    if (filter.from !== undefined) where.add('a.requested_at >= ?::timestamptz', filter.from);
    if (filter.to !== undefined) where.add('a.requested_at < ?::timestamptz', filter.to);
    const { rows } = await this.db.query<ServiceLevelRow>(
      `SELECT g.approver_group, a.target_name, count(*) AS requested,
              count(*) FILTER (WHERE a.status IN ('granted', 'denied')) AS decided,
              count(*) FILTER (WHERE a.status = 'granted') AS granted,
              count(*) FILTER (WHERE a.status = 'denied') AS denied,
              count(*) FILTER (WHERE a.status = 'expired') AS expired,
              count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
              count(*) FILTER (WHERE a.status = 'pending') AS pending,
              avg(a.time_to_decision_ms) AS mean_ms,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY a.time_to_decision_ms) AS p50_ms,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY a.time_to_decision_ms) AS p95_ms,
              max(a.time_to_decision_ms) AS max_ms
         FROM portcullis_rm_approvals a
        CROSS JOIN LATERAL jsonb_array_elements_text(a.approver_groups) AS g(approver_group)
        ${where}
        GROUP BY g.approver_group, a.target_name
        ORDER BY g.approver_group, a.target_name`,
      where.params,
    );
    return {
      items: rows.map((r) => ({
        approverGroup: r.approver_group,
        targetName: r.target_name,
        requested: Number(r.requested),
        decided: Number(r.decided),
        granted: Number(r.granted),
        denied: Number(r.denied),
        expired: Number(r.expired),
        cancelled: Number(r.cancelled),
        pending: Number(r.pending),
        meanMs: num(r.mean_ms),
        p50Ms: num(r.p50_ms),
        p95Ms: num(r.p95_ms),
        maxMs: num(r.max_ms),
      })),
    };
  }
}

export const complianceQueryHandlers = [
  ListCommandsHandler,
  ListIdentitiesHandler,
  ListSensitiveAccessHandler,
  ApprovalServiceLevelsHandler,
];
