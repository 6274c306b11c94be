import type { DomainEvent, Recorded } from '@portcullis/events';
import { streamIdOf } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';
import type { Projection } from '../../projections/projection.js';

/**
 * Keeps `portcullis_rm_approvals`: pending and decided approvals, who
 * decided, and how long it took. Status follows the same rule as the
 * aggregate (libs/session approval.ts): granted once `min_approvals` distinct
 * approvers granted; a deny, an expiry or a cancel ends a pending request.
 */
export const approvalsProjection: Projection = {
  name: 'approvals',
  tables: ['portcullis_rm_approvals'],
  eventTypes: [
    'ApprovalRequested',
    'ApprovalGranted',
    'ApprovalDenied',
    'ApprovalExpired',
    'ApprovalCancelled',
    'ApprovalDecisionRefused',
  ],
  async apply(tx: SqlExecutor, recorded: Recorded<DomainEvent>): Promise<void> {
    const event = recorded;
    const at = recorded.metadata.recordedAt;
    const id = streamIdOf(recorded.streamName);
    switch (event.type) {
      case 'ApprovalRequested': {
        const { data } = event;
        await tx.query(
          `INSERT INTO portcullis_rm_approvals
             (approval_id, status, scope, session_id, sequence, target_name, requester_subject,
              requester_issuer, requester_app_id, text, reason, approver_groups, min_approvals,
              window_seconds, requested_at, expires_at, gateway_instance)
           VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           ON CONFLICT (approval_id) DO NOTHING`,
          [
            id,
            data.scope,
            data.sessionId,
            data.sequence ?? null,
            data.targetName,
            data.requester.subject,
            data.requester.issuer,
            data.requester.app_id ?? null,
            data.text,
            data.reason,
            JSON.stringify(data.approverGroups),
            data.minApprovals,
            data.windowSeconds ?? null,
            at,
            data.expiresAt,
            recorded.metadata.gatewayInstance,
          ],
        );
        return;
      }
      case 'ApprovalGranted':
        // Appended only by the aggregate, so each approver appears once.
        await tx.query(
          `UPDATE portcullis_rm_approvals
              SET granted_by = granted_by || jsonb_build_array($2::jsonb),
                  comment = COALESCE($3, comment)
            WHERE approval_id = $1 AND status = 'pending'`,
          [id, JSON.stringify(event.data.approver), event.data.comment ?? null],
        );
        await tx.query(
          `UPDATE portcullis_rm_approvals
              SET status = 'granted', decided_at = $2,
                  time_to_decision_ms = EXTRACT(EPOCH FROM ($2::timestamptz - requested_at)) * 1000
            WHERE approval_id = $1 AND status = 'pending' AND jsonb_array_length(granted_by) >= min_approvals`,
          [id, at],
        );
        return;
      case 'ApprovalDenied':
        await tx.query(
          `UPDATE portcullis_rm_approvals
              SET status = 'denied', denied_by = $2::jsonb, comment = COALESCE($3, comment), decided_at = $4,
                  time_to_decision_ms = EXTRACT(EPOCH FROM ($4::timestamptz - requested_at)) * 1000
            WHERE approval_id = $1 AND status = 'pending'`,
          [id, JSON.stringify(event.data.approver), event.data.comment ?? null, at],
        );
        return;
      case 'ApprovalExpired':
      case 'ApprovalCancelled':
        await tx.query(
          `UPDATE portcullis_rm_approvals SET status = $2, decided_at = $3
            WHERE approval_id = $1 AND status = 'pending'`,
          [id, event.type === 'ApprovalExpired' ? 'expired' : 'cancelled', at],
        );
        return;
      case 'ApprovalDecisionRefused':
        await tx.query(
          `UPDATE portcullis_rm_approvals SET refused_attempts = refused_attempts + 1 WHERE approval_id = $1`,
          [id],
        );
        return;
    }
  },
};
