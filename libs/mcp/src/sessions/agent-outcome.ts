import type { StatementResult } from '@portcullis/pg-proxy';
import { denied, Refusals } from '@portcullis/session';
import type { ExecResult } from '@portcullis/ssh-proxy';
import type { Decided, PendingCommand } from './guarded-command.js';

/** A tool's outcome before it becomes an MCP tool result (tools/tool-results.ts). */
export type AgentOutcome =
  | { readonly status: 'ok'; readonly target: string; readonly query: StatementResult }
  | { readonly status: 'ok'; readonly target: string; readonly exec: ExecResult }
  | { readonly status: 'denied'; readonly message: string }
  /** `exec`: what a command that timed out wrote before it was stopped. */
  | { readonly status: 'error'; readonly message: string; readonly exec?: ExecResult }
  | {
      readonly status: 'pending';
      readonly target: string;
      readonly approvalId: string;
      readonly reason: string;
      readonly expiresAt: string;
      readonly whereToDecide: string;
    };

export function pendingOutcome<D extends Decided>(target: string, pending: PendingCommand<D>): AgentOutcome {
  return {
    status: 'pending',
    target,
    approvalId: pending.approvalId,
    reason: pending.reason,
    expiresAt: pending.expiresAt.toISOString(),
    whereToDecide: pending.whereToDecide,
  };
}

export function unknownTarget(target: string, protocol: string): AgentOutcome {
  return { status: 'error', message: `no ${protocol} target named ${target} (list_targets names them)` };
}

/** As on the wire, the agent learns only that the session was not admitted, or which approval it waits for. */
export function sessionRefused(target: string, approvalMessage: string | undefined): AgentOutcome {
  return { status: 'denied', message: approvalMessage ?? denied(Refusals.sessionRefused(target)) };
}
