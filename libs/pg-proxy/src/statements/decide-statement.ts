import {
  hostDecision,
  Refusals,
  reusedVerdict,
  type DecisionCache,
  type ShadowPolicy,
  verdictOf,
  type ApprovalGate,
  type ReceivedCommand,
  type SessionGrant,
  type Verdict,
} from '@portcullis/session';
import type { Identity } from '@portcullis/identity';
import type { PolicyEngine, PostgresCommand } from '@portcullis/policy';
import { classifyCommand, isEffectFree, roleChanges } from '@portcullis/sql';
import { maskingRefusal, NO_MASKING, planMasking, type MaskingPlan } from '../masking/masking-plan.js';
import type { ProxyTarget } from '../listener/proxy-options.js';

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
  /** The session's decisions by exact text (decision-cache.ts); without it every statement is evaluated. */
  readonly decisions?: DecisionCache<StatementDecision>;
  /** A candidate policy evaluated beside the live one; only its differences are recorded. */
  readonly shadow?: ShadowPolicy;
  /**
   * The session acts as a granted role on the administrative user's
   * connection (credential mode `set-role`): whatever could change the role
   * back is refused (libs/sql roleChanges).
   */
  readonly roleLocked?: boolean;
}

/** A statement decided: the core's verdict, what CommandReceived records, and what the proxy needs to run it. */
export interface StatementDecision extends Verdict {
  /** BEGIN/COMMIT/ROLLBACK… among the statements: a refusal's effect on the transaction is the server's to say. */
  readonly touchesTransaction: boolean;
  /**
   * One plain SELECT that can change nothing (libs/sql isEffectFree): it may
   * be forwarded while its write-ahead append is in flight, its result held
   * until the append is durable (session-relay.ts `runAhead`).
   */
  readonly effectFree: boolean;
  /** A `COPY … FROM STDIN` among the statements: the client's CopyData may follow right behind it. */
  readonly copiesFromClient: boolean;
  readonly received: ReceivedCommand;
  /** What to mask in the results (allowed statements). */
  readonly masking: MaskingPlan;
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
    return hostDenial(context.policy, text, Refusals.sessionWindowEnded(grant.approvalId, grant.until));
  }
  // A decision after an approval is never reused: it answers one request.
  const cache = approvalId === undefined ? context.decisions : undefined;
  const nowNs = Date.now() * 1_000_000;
  const generation = context.policy.generation;
  const kept = cache?.get(text, generation, nowNs);
  if (kept) return kept;
  let command: PostgresCommand;
  try {
    const classification = classifyCommand(text);
    command = { text, protocol: 'postgres', ...classification };
  } catch (error) {
    return hostDenial(context.policy, text, `statement classification failed: ${messageOf(error)}`);
  }
  const input = {
    identity: context.identity,
    target: {
      name: context.target.name,
      protocol: 'postgres' as const,
      labels: { ...context.target.labels },
    },
    session: { id: context.sessionId, client_ip: context.clientAddress },
    command,
    approval: { granted: approvalId !== undefined || grant !== undefined },
    now_ns: nowNs,
  };
  const decision = context.policy.decideCommand(input);
  const unattributable = command.statements.some(
    (s) => UNATTRIBUTABLE_KINDS.has(s.kind) || s.nested_kinds.some((k) => UNATTRIBUTABLE_KINDS.has(k)),
  );
  const roleChanging = context.roleLocked ? roleChanges(text) : [];
  let masking = NO_MASKING;
  const verdict = verdictOf(decision, {
    hostReasons: [
      ...(unattributable ? ['SQL-level PREPARE/EXECUTE/DEALLOCATE is not supported through the proxy'] : []),
      ...(roleChanging.length > 0 ? [Refusals.roleLocked(roleChanging)] : []),
    ],
    ...(approvalId === undefined ? {} : { approvalId }),
    ...(grant ? { grantedBy: grant.approvalId } : {}),
    // Host rules on the results: decided before the statement runs.
    beforeAllow: () => {
      masking = planMasking(decision, command);
      return maskingRefusal(masking, command);
    },
  });
  const shadow = context.shadow?.compare(input, verdict);
  const statement: StatementDecision = {
    ...verdict,
    ...(shadow ? { shadow } : {}),
    masking,
    touchesTransaction: command.statements.some((s) => s.kind === 'transaction'),
    effectFree: isEffectFree(command),
    copiesFromClient: command.statements.some((s) => s.copy?.direction === 'from' && s.copy.stdio),
    received: {
      protocol: 'postgres',
      text: command.text,
      classification: { statements: command.statements, columns_read: command.columns_read },
    },
  };
  cache?.set(text, generation, decision.reuse_until_ns, reusedVerdict(statement));
  return statement;
}

/** A refusal decided by the proxy itself (no policy evaluation took place). */
export function hostDenial(policy: PolicyEngine, text: string, reason: string): StatementDecision {
  return {
    ...verdictOf(hostDecision(policy, reason)),
    touchesTransaction: false,
    effectFree: false,
    copiesFromClient: false,
    masking: NO_MASKING,
    received: { protocol: 'postgres', text, classification: { statements: [], columns_read: [] } },
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
