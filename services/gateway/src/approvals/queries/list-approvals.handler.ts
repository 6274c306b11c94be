import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { SqlDatabase } from '@portcullis/eventstore';
import { READ_MODEL_DB } from '../../tokens.js';
import { GetApprovalQuery, ListApprovalsQuery } from './list-approvals.query.js';
import type { ApprovalPage, ApprovalView, ApproverView } from './approval.view.js';

interface ApprovalRow {
  approval_id: string;
  status: string;
  scope: string;
  session_id: string;
  sequence: number | null;
  target_name: string;
  requester_subject: string;
  requester_issuer: string;
  requester_app_id: string | null;
  text: string;
  reason: string;
  approver_groups: string[] | string;
  min_approvals: number;
  window_seconds: number | null;
  requested_at: Date | string;
  expires_at: Date | string;
  granted_by: ApproverView[] | string;
  denied_by: ApproverView | string | null;
  comment: string | null;
  refused_attempts: number;
  decided_at: Date | string | null;
  time_to_decision_ms: number | null;
  gateway_instance: string;
}

/** Newest first. */
@QueryHandler(ListApprovalsQuery)
export class ListApprovalsHandler implements IQueryHandler<ListApprovalsQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ filter }: ListApprovalsQuery): Promise<ApprovalPage> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.target) where.push(`target_name = $${params.push(filter.target)}`);
    const { rows } = await this.db.query<ApprovalRow>(
      `SELECT * FROM portcullis_rm_approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY requested_at DESC, approval_id DESC LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return { items: rows.map(toView) };
  }
}

@QueryHandler(GetApprovalQuery)
export class GetApprovalHandler implements IQueryHandler<GetApprovalQuery> {
  constructor(@Inject(READ_MODEL_DB) private readonly db: SqlDatabase) {}

  async execute({ approvalId }: GetApprovalQuery): Promise<ApprovalView | null> {
    const { rows } = await this.db.query<ApprovalRow>(
      `SELECT * FROM portcullis_rm_approvals WHERE approval_id = $1`,
      [approvalId],
    );
    return rows[0] ? toView(rows[0]) : null;
  }
}

function toView(row: ApprovalRow): ApprovalView {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  return {
    approvalId: row.approval_id,
    status: row.status,
    scope: row.scope,
    sessionId: row.session_id,
    sequence: row.sequence,
    targetName: row.target_name,
    requesterSubject: row.requester_subject,
    requesterIssuer: row.requester_issuer,
    requesterAppId: row.requester_app_id,
    text: row.text,
    reason: row.reason,
    approverGroups: json(row.approver_groups),
    minApprovals: row.min_approvals,
    windowSeconds: row.window_seconds,
    requestedAt: iso(row.requested_at)!,
    expiresAt: iso(row.expires_at)!,
    grantedBy: json(row.granted_by),
    deniedBy: row.denied_by === null ? null : json(row.denied_by),
    comment: row.comment,
    refusedAttempts: row.refused_attempts,
    decidedAt: iso(row.decided_at),
    timeToDecisionMs: row.time_to_decision_ms === null ? null : Number(row.time_to_decision_ms),
    gatewayInstance: row.gateway_instance,
  };
}
