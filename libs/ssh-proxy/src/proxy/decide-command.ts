import {
  hostDecision,
  Refusals,
  verdictOf,
  type ApprovalGate,
  type ReceivedCommand,
  type ShadowPolicy,
  type Verdict,
} from '@portcullis/session';
import type { Identity } from '@portcullis/identity';
import type { PolicyDecision, PolicyEngine, SshCommand } from '@portcullis/policy';
import { parseCommandLine, quoteWord, type CommandLine } from '../command/command-line.js';
import { typedCommandProblems } from '../command/typed-command-rules.js';
import { targetRef } from './check-session-access.js';
import type { SshTarget } from './proxy-options.js';

export interface CommandContext {
  readonly policy: PolicyEngine;
  /** A candidate evaluated beside the live policy; only its differences are recorded. */
  readonly shadow?: ShadowPolicy;
  readonly identity: Identity;
  readonly target: SshTarget;
  readonly sessionId: string;
  readonly clientAddress: string;
  /** Where exec commands that need review wait for a human; without it, review means deny. */
  readonly approvals?: ApprovalGate;
}

/** An exec command decided: the core's verdict, what CommandReceived records, and what runs. */
export interface ExecDecision extends Verdict {
  /** What the upstream shell receives (re-quoted from the parsed words, never the client's text). */
  readonly forwarded: string;
  readonly received: ReceivedCommand;
}

/**
 * Parses an exec command line and asks policy. Never throws. Parser
 * problems (shell syntax the proxy does not run) are host reasons added to
 * policy's; a policy error is a deny; a review requirement carries `review`
 * (exec pauses for it, await-exec-approval.ts). With `approvalId`, policy is
 * asked again with the approval granted.
 */
export function decideCommand(context: CommandContext, text: string, approvalId?: string): ExecDecision {
  const line = parseCommandLine(text);
  return decideSshCommand(context, commandOf(text, line), line.problems, line.forwarded, approvalId);
}

/**
 * A command line typed at an interactive shell prompt, read at Enter. The
 * shell runs the typed characters (nothing is re-quoted), so the typed-line
 * rules add their reasons, and a line the keystroke reader could not follow
 * (`unreadable`: tab completion, history recall, …) is refused.
 */
export function decideTypedLine(context: CommandContext, text: string, unreadable?: string): ExecDecision {
  const line = parseCommandLine(text);
  const problems = [
    ...(unreadable ? [`the typed line could not be read (${unreadable}): type it in full`] : []),
    ...line.problems,
    ...typedCommandProblems(text, line),
  ];
  return decideSshCommand(context, commandOf(text, line), problems, text);
}

/**
 * The one decision path of the SSH proxy (exec, typed lines, file
 * transfers, forwarding requests): policy on `command`, plus the host's own
 * reasons, which always deny.
 */
export function decideSshCommand(
  context: CommandContext,
  command: SshCommand,
  hostReasons: readonly string[],
  forwarded: string,
  approvalId?: string,
): ExecDecision {
  let decision: PolicyDecision;
  const input = {
    identity: context.identity,
    target: targetRef(context.target),
    session: { id: context.sessionId, client_ip: context.clientAddress },
    command,
    approval: { granted: approvalId !== undefined },
    now_ns: Date.now() * 1_000_000,
  };
  try {
    decision = context.policy.decideCommand(input);
  } catch (error) {
    // The engine reports evaluation errors in the decision; a throw is a bug: deny, with the reason.
    decision = hostDecision(
      context.policy,
      Refusals.policyEvaluationFailed(error instanceof Error ? error.message : String(error)),
    );
  }
  const verdict = verdictOf(decision, { hostReasons, ...(approvalId === undefined ? {} : { approvalId }) });
  const shadow = context.shadow?.compare(input, verdict);
  return {
    ...verdict,
    ...(shadow ? { shadow } : {}),
    forwarded,
    received: { protocol: 'ssh', text: command.text, classification: command },
  };
}

/**
 * A file transfer (an SFTP operation or a legacy scp file): policy sees
 * `argv = [tool, operation, path…]`, e.g. `['sftp', 'put', '/etc/motd']`.
 */
export function decideFileTransfer(
  context: CommandContext,
  tool: 'sftp' | 'scp',
  operation: string,
  paths: readonly string[],
): ExecDecision {
  const argv = [tool, operation, ...paths];
  const text = argv.map((word) => quoteWord(word)).join(' ');
  return decideSshCommand(
    context,
    { text, protocol: 'ssh', statements: [], argv, program: tool, sudo: false },
    [],
    text,
  );
}

function commandOf(text: string, line: CommandLine): SshCommand {
  return { text, protocol: 'ssh', statements: [], argv: line.argv, program: line.program, sudo: line.sudo };
}
