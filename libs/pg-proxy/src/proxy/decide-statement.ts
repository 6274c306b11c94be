import { randomUUID } from 'node:crypto';
import {
  reviewRequestOf,
  type ApprovalGate,
  type CommandDecision,
  type ReceivedCommand,
  type ReviewRequest,
  type SessionGrant,
} from '@portcullis/audit';
import type { Identity } from '@portcullis/identity';
import type { PolicyDecision, PolicyEngine, PostgresCommand } from '@portcullis/policy';
import { classifyCommand } from '@portcullis/sql';
import { maskingRefusal, NO_MASKING, planMasking, type MaskingPlan } from './masking-plan.js';
import type { ProxyTarget } from './proxy-options.js';

export interface StatementContext {
  readonly policy: PolicyEngine;
  readonly identity: Identity;
  readonly target: ProxyTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
  /** Where statements that need review wait for a human; without it, review means deny. */
  readonly approvals?: ApprovalGate;
  /** Session-level just-in-time access: until then, statements need no per-statement review. */
  readonly sessionGrant?: SessionGrant;
}

/** A statement decided: what goes into CommandReceived/CommandDecided, and what the client is told. */
export interface StatementDecision {
  readonly allowed: boolean;
  /** For a refusal: the text after `portcullis: denied: `. */
  readonly refusal: string;
  /** BEGIN/COMMIT/ROLLBACK… among the statements: a refusal's effect on the transaction is the server's to say. */
  readonly touchesTransaction: boolean;
  readonly received: ReceivedCommand;
  readonly decided: CommandDecision;
  /** What to mask in the results (allowed statements). */
  readonly masking: MaskingPlan;
  /** Set when policy wants a human to approve first (then `allowed` is false until they do). */
  readonly review?: ReviewRequest;
}

/**
 * SQL-level PREPARE/EXECUTE/DEALLOCATE share the server's namespace with
 * protocol-level statements, so a statement prepared by text could later be
 * bound under a name the proxy attributes to another, decided statement.
 * Until the proxy tracks them, they are refused (host rule, not policy).
 */
const UNATTRIBUTABLE_KINDS = new Set(['prepare', 'execute', 'deallocate']);

/**
 * Classifies a statement text and asks policy. Never throws: a classifier
 * failure or a policy error is a deny with its reason (fail closed). A
 * decision that needs review carries `review`: the caller pauses for the
 * approval (await-approval.ts) and decides again with `approvalId`, which
 * tells policy the request was granted. Inside a session grant's window,
 * review is lifted; after it, every statement is refused.
 */
export function decideStatement(
  context: StatementContext,
  text: string,
  approvalId?: string,
): StatementDecision {
  const grant = context.sessionGrant;
  if (grant && Date.now() >= grant.until.getTime()) {
    return hostDenial(
      context.policy,
      text,
      `the approved session window (approval ${grant.approvalId}) ended at ${grant.until.toISOString()}`,
    );
  }
  let command: PostgresCommand;
  try {
    const classification = classifyCommand(text);
    command = { text, protocol: 'postgres', ...classification };
  } catch (error) {
    return hostDenial(context.policy, text, `statement classification failed: ${messageOf(error)}`);
  }
  const decision = context.policy.decideCommand({
    identity: context.identity,
    target: { name: context.target.name, protocol: 'postgres', labels: { ...context.target.labels } },
    session: { id: context.sessionId, client_ip: context.clientAddress },
    command,
    approval: { granted: approvalId !== undefined || grant !== undefined },
    now_ns: Date.now() * 1_000_000,
  });
  const hostReasons = command.statements.some(
    (s) => UNATTRIBUTABLE_KINDS.has(s.kind) || s.nested_kinds.some((k) => UNATTRIBUTABLE_KINDS.has(k)),
  )
    ? ['SQL-level PREPARE/EXECUTE/DEALLOCATE is not supported through the proxy']
    : [];
  if (approvalId !== undefined && decision.review.required) {
    // Policy asked again after a grant: never loop, refuse.
    hostReasons.push('policy still requires review after the approval');
  }
  return fromPolicy(decision, command, hostReasons, approvalId ?? grant?.approvalId);
}

function fromPolicy(
  decision: PolicyDecision,
  command: PostgresCommand,
  hostReasons: string[],
  approvalId: string | undefined,
): StatementDecision {
  const deny = [
    ...(decision.error ? [`policy error: ${decision.error.message}`] : []),
    ...decision.deny,
    ...hostReasons,
  ];
  const review = decision.review.required ? reviewReason(decision) : undefined;
  let masking = NO_MASKING;
  if (decision.allow && deny.length === 0 && review === undefined) {
    // Host rules on the results: decided before the statement runs.
    masking = planMasking(decision, command);
    const refusal = maskingRefusal(masking, command);
    if (refusal !== undefined) deny.push(refusal);
  }
  const allowed = decision.allow && deny.length === 0 && review === undefined;
  const reasons = deny.length > 0 ? deny : review ? [review] : allowed ? [] : ['not allowed by policy'];
  const outcome = deny.length > 0 || (!allowed && !review) ? 'deny' : review ? 'review' : 'allow';
  return {
    allowed,
    refusal: reasons.join('; '),
    touchesTransaction: command.statements.some((s) => s.kind === 'transaction'),
    masking,
    ...(outcome === 'review' ? { review: reviewRequestOf(decision) } : {}),
    received: {
      protocol: 'postgres',
      text: command.text,
      classification: { statements: command.statements, columns_read: command.columns_read },
    },
    decided: {
      outcome,
      reasons,
      policyRevision: decision.bundle_revision,
      decisionId: decision.decision_id,
      evaluationMicros: Math.round(decision.evaluation_ns / 1000),
      ...(decision.mask.length > 0 ? { masks: decision.mask } : {}),
      ...(approvalId === undefined ? {} : { approvalId }),
    },
  };
}

/** Why a human must look: what the client is told while it waits, or when no one can approve. */
function reviewReason(decision: PolicyDecision): string {
  return `approval required: ${(decision.review.reasons ?? []).join('; ') || 'policy requires review'}`;
}

/** A refusal decided by the proxy itself (no policy evaluation took place). */
export function hostDenial(policy: PolicyEngine, text: string, reason: string): StatementDecision {
  return {
    allowed: false,
    refusal: reason,
    touchesTransaction: false,
    masking: NO_MASKING,
    received: { protocol: 'postgres', text, classification: { statements: [], columns_read: [] } },
    decided: {
      outcome: 'deny',
      reasons: [reason],
      policyRevision: policy.revision,
      decisionId: `host-${randomUUID()}`,
      evaluationMicros: 0,
    },
  };
}

/** Bound parameters as recorded: text as is, binary as `\x` hex, NULL as null. */
export function parametersAsText(
  parameters: readonly (Buffer | null)[],
  formats: readonly (0 | 1)[],
): (string | null)[] {
  return parameters.map((value, index) => {
    if (value === null) return null;
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[index];
    return format === 1 ? `\\x${value.toString('hex')}` : value.toString('utf8');
  });
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
