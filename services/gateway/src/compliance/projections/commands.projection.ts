import type { CommandReceivedData, DomainEvent, Recorded } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';
import type { Projection } from '../../projections/projection.js';
import { maskedCount, positionOf, rememberSession, sessionContext } from './session-context.js';

const SESSIONS = 'portcullis_rm_commands_sessions';

/**
 * Keeps `portcullis_rm_commands`: one row per statement or shell command,
 * attributed to its session's identity and target, with the last decision,
 * what ran (rows, duration, error code) and what was masked (names and
 * counts). Only what the events carry: the text CommandReceived recorded,
 * never bound parameters, result rows or error messages.
 */
export const commandsProjection: Projection = {
  name: 'commands',
  tables: ['portcullis_rm_commands', SESSIONS],
  eventTypes: [
    'SessionOpened',
    'CommandReceived',
    'CommandDecided',
    'CommandBlocked',
    'CommandForwarded',
    'CommandCompleted',
    'ResultMasked',
    'CommandOutcomeUnknown',
    'ApprovalRequested',
  ],
  async apply(tx: SqlExecutor, event: Recorded<DomainEvent>): Promise<void> {
    const at = event.metadata.recordedAt;
    switch (event.type) {
      case 'SessionOpened':
        await rememberSession(tx, SESSIONS, event.data);
        return;
      case 'CommandReceived': {
        const { data } = event;
        const session = await sessionContext(tx, SESSIONS, data.sessionId);
        await tx.query(
          `INSERT INTO portcullis_rm_commands
             (session_id, sequence, position_commit, position_prepare, protocol, target_name, subject, issuer,
              app_id, tenant_id, text, classification, status, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'received', $13)
           ON CONFLICT (session_id, sequence) DO NOTHING`,
          [
            data.sessionId,
            data.sequence,
            ...positionOf(event),
            data.protocol,
            session?.target_name ?? null,
            session?.subject ?? null,
            session?.issuer ?? null,
            session?.app_id ?? null,
            session?.tenant_id ?? null,
            data.text,
            JSON.stringify(classificationSummary(data)),
            at,
          ],
        );
        return;
      }
      case 'CommandDecided': {
        const { data } = event;
        // A review's first decision says `review`; the one after the approval settles replaces it.
        await tx.query(
          `UPDATE portcullis_rm_commands
              SET outcome = $3, reasons = $4::jsonb, policy_revision = $5, approval_id = COALESCE($6, approval_id)
            WHERE session_id = $1 AND sequence = $2`,
          [
            data.sessionId,
            data.sequence,
            data.outcome,
            JSON.stringify(data.reasons),
            data.policyRevision,
            data.approvalId ?? null,
          ],
        );
        return;
      }
      case 'CommandBlocked':
        await tx.query(
          `UPDATE portcullis_rm_commands SET status = 'blocked', status_reason = $3, error_code = $4, completed_at = $5
            WHERE session_id = $1 AND sequence = $2`,
          [event.data.sessionId, event.data.sequence, event.data.reason, event.data.errorCode ?? null, at],
        );
        return;
      case 'CommandForwarded':
        await tx.query(
          `UPDATE portcullis_rm_commands SET status = 'forwarded'
            WHERE session_id = $1 AND sequence = $2 AND status = 'received'`,
          [event.data.sessionId, event.data.sequence],
        );
        return;
      case 'CommandCompleted': {
        const { data } = event;
        await tx.query(
          `UPDATE portcullis_rm_commands
              SET status = $3, rows = $4, duration_ms = $5, command_tag = $6, error_code = $7, completed_at = $8
            WHERE session_id = $1 AND sequence = $2`,
          [
            data.sessionId,
            data.sequence,
            data.error ? 'failed' : 'completed',
            data.rows,
            data.durationMs,
            data.commandTag ?? null,
            data.error?.code ?? null,
            at,
          ],
        );
        return;
      }
      case 'ResultMasked': {
        const { data } = event;
        await tx.query(
          `UPDATE portcullis_rm_commands
              SET masks = masks || $3::jsonb, masked_values = masked_values + $4
            WHERE session_id = $1 AND sequence = $2`,
          [data.sessionId, data.sequence, JSON.stringify(data.columns), maskedCount(data.columns)],
        );
        return;
      }
      case 'ApprovalRequested': {
        // After the command's `review` decision (write-ahead first); a denied review's second decision names no approval.
        const { data } = event;
        if (data.scope !== 'command' || data.sequence === undefined) return;
        await tx.query(
          `UPDATE portcullis_rm_commands SET approval_id = COALESCE(approval_id, $3)
            WHERE session_id = $1 AND sequence = $2`,
          [data.sessionId, data.sequence, data.approvalId],
        );
        return;
      }
      case 'CommandOutcomeUnknown':
        await tx.query(
          `UPDATE portcullis_rm_commands SET status = 'unknown', status_reason = $3
            WHERE session_id = $1 AND sequence = $2`,
          [event.data.sessionId, event.data.sequence, event.data.reason],
        );
        return;
      default:
        return;
    }
  },
};

/** What the classifier made of a command, without the text again: kinds, objects, columns read, writes. */
export function classificationSummary(data: CommandReceivedData): Record<string, unknown> {
  const c = (data.classification ?? {}) as {
    statements?: { kind?: string; objects?: string[]; writes?: boolean }[];
    columns_read?: string[];
    program?: string;
    sudo?: boolean;
  };
  const distinct = (values: (string | undefined)[]) =>
    [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
  if (data.protocol === 'ssh') {
    return { kinds: distinct([c.program]), sudo: c.sudo === true };
  }
  const statements = Array.isArray(c.statements) ? c.statements : [];
  return {
    kinds: distinct(statements.map((s) => s.kind)),
    objects: distinct(statements.flatMap((s) => s.objects ?? [])),
    columns_read: distinct(c.columns_read ?? []),
    writes: statements.some((s) => s.writes === true),
  };
}
