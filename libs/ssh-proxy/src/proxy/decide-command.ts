import { randomUUID } from 'node:crypto';
import type { CommandDecision, ReceivedCommand } from '@portcullis/audit';
import type { Identity } from '@portcullis/identity';
import type { PolicyDecision, PolicyEngine, SshCommand } from '@portcullis/policy';
import { parseCommandLine } from '../command/command-line.js';
import { targetRef } from './check-session-access.js';
import type { SshTarget } from './proxy-options.js';

export interface CommandContext {
  readonly policy: PolicyEngine;
  readonly identity: Identity;
  readonly target: SshTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
}

/** An exec command decided: the events to write ahead, and what runs or what the client is told. */
export interface ExecDecision {
  readonly allowed: boolean;
  /** For a refusal: the text after `portcullis: denied: `. */
  readonly refusal: string;
  /** What the upstream shell receives (re-quoted from the parsed words, never the client's text). */
  readonly forwarded: string;
  readonly received: ReceivedCommand;
  readonly decided: CommandDecision;
}

/**
 * Parses an exec command line and asks policy. Never throws. Parser
 * problems (shell syntax the proxy does not run) are host reasons added to
 * policy's; a policy error is a deny; a review requirement is refused until
 * approvals land (`reviewSeam`).
 */
export function decideCommand(context: CommandContext, text: string): ExecDecision {
  const line = parseCommandLine(text);
  const command: SshCommand = {
    text,
    protocol: 'ssh',
    statements: [],
    argv: line.argv,
    program: line.program,
    sudo: line.sudo,
  };
  let decision: PolicyDecision;
  try {
    decision = context.policy.decideCommand({
      identity: context.identity,
      target: targetRef(context.target),
      session: { id: context.sessionId, client_ip: context.clientAddress },
      command,
      approval: { granted: false },
      now_ns: Date.now() * 1_000_000,
    });
  } catch (error) {
    // The engine reports evaluation errors in the decision; a throw is a bug: deny, with the reason.
    return fromPolicy(hostDenial(context.policy, error), command, line.problems, line.forwarded);
  }
  return fromPolicy(decision, command, line.problems, line.forwarded);
}

function fromPolicy(
  decision: PolicyDecision,
  command: SshCommand,
  hostReasons: string[],
  forwarded: string,
): ExecDecision {
  const deny = [
    ...(decision.error ? [`policy error: ${decision.error.message}`] : []),
    ...decision.deny,
    ...hostReasons,
  ];
  const review = decision.review.required ? reviewSeam(decision) : undefined;
  const allowed = decision.allow && deny.length === 0 && review === undefined;
  const reasons = deny.length > 0 ? deny : review ? [review] : allowed ? [] : ['not allowed by policy'];
  const outcome = deny.length > 0 || (!allowed && !review) ? 'deny' : review ? 'review' : 'allow';
  return {
    allowed,
    refusal: reasons.join('; '),
    forwarded,
    received: { protocol: 'ssh', text: command.text, classification: command },
    decided: {
      outcome,
      reasons,
      policyRevision: decision.bundle_revision,
      decisionId: decision.decision_id,
      evaluationMicros: Math.round(decision.evaluation_ns / 1000),
    },
  };
}

/** A deny decided by the proxy itself when policy could not be evaluated. */
function hostDenial(policy: PolicyEngine, error: unknown): PolicyDecision {
  return {
    allow: false,
    deny: [`policy evaluation failed: ${error instanceof Error ? error.message : String(error)}`],
    review: { required: false, approver_groups: [], ttl_seconds: 0, min_approvals: 0 },
    mask: [],
    decision_id: `host-${randomUUID()}`,
    entrypoint: 'command',
    bundle_revision: policy.revision,
    evaluation_ns: 0,
  };
}

/**
 * The approval seam: a command that needs review is refused with its
 * reasons. The approvals issue replaces this with "append ApprovalRequested,
 * wait for the grant, decide again with approval.granted".
 */
function reviewSeam(decision: PolicyDecision): string {
  return `approval required (approvals are not available yet): ${(decision.review.reasons ?? []).join('; ') || 'policy requires review'}`;
}
