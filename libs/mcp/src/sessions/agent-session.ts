import type { Identity } from '@portcullis/identity';
import {
  SessionRefusal as PostgresRefusal,
  StatementSession,
  StatementSessionEnded,
  type StatementDecision,
  type StatementSessionOptions,
} from '@portcullis/pg-proxy';
import type { PolicyEngine } from '@portcullis/policy';
import { admitSession, Refusals } from '@portcullis/session';
import {
  CommandSession,
  CommandSessionEnded,
  type CommandSessionOptions,
  type ExecDecision,
} from '@portcullis/ssh-proxy';
import type { McpLimits } from '../limits.js';
import { pendingOutcome, sessionRefused, unknownTarget, type AgentOutcome } from './agent-outcome.js';
import {
  guardCommand,
  settleReview,
  type Decided,
  type GuardedOutcome,
  type PendingCommand,
} from './guarded-command.js';

/** The targets MCP agents can reach: the gateway's PostgreSQL and SSH targets, by name. */
export interface McpTargets {
  readonly postgres: ReadonlyMap<string, StatementSessionOptions>;
  readonly ssh: ReadonlyMap<string, CommandSessionOptions>;
}

export interface TargetListing {
  readonly name: string;
  readonly protocol: 'postgres' | 'ssh';
  readonly labels: Readonly<Record<string, string>>;
  /** `approval_required`: policy admits the session once a human approved it. */
  readonly access: 'allowed' | 'approval_required';
}

type Waiting =
  | {
      kind: 'query';
      target: string;
      session: StatementSession;
      pending: PendingCommand<StatementDecision>;
      rowLimit: number;
    }
  | { kind: 'exec'; target: string; session: CommandSession; pending: PendingCommand<ExecDecision> };

/**
 * One MCP session of one agent: its identity (from the token that
 * initialised it), and per target at most one database or host session of
 * the session core, opened on first use and closed with it. Commands on one
 * target run one at a time, in call order; commands waiting for approval
 * wait beside them, each known by its approval id in this MCP session only.
 *
 * Its database and host sessions are held in the access lifecycle
 * (libs/session) as the proxies' connections are: when an operator ends one
 * of them (a termination, or a revocation of the identity), the MCP session
 * ends with it — every session it holds is closed, waits are cancelled, and
 * every later tool call answers the goodbye the core chose (goodbyeOf).
 */
export class AgentSession {
  private readonly statements = new Map<string, Promise<StatementSession>>();
  private readonly commands = new Map<string, Promise<CommandSession>>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private closed = false;
  private goodbye: string | undefined;

  constructor(
    readonly identity: Identity,
    private readonly clientAddress: string,
    private readonly targets: McpTargets,
    private readonly policy: PolicyEngine,
    private readonly limits: McpLimits,
  ) {}

  /** What every tool call answers once an operator ended the MCP session (undefined while it runs). */
  get ended(): string | undefined {
    return this.goodbye;
  }

  /** The targets session policy would admit this identity to (evaluated, nothing recorded). */
  listTargets(): TargetListing[] {
    const all = [
      ...[...this.targets.postgres.values()].map((t) => ({ protocol: 'postgres' as const, ...t.target })),
      ...[...this.targets.ssh.values()].map((t) => ({ protocol: 'ssh' as const, ...t.target })),
    ];
    const listed: TargetListing[] = [];
    for (const { name, protocol, labels } of all) {
      const admission = admitSession(this.policy, {
        identity: this.identity,
        target: { name, protocol, labels },
        sessionId: 'list-targets',
        clientAddress: this.clientAddress,
      });
      const { decision } = admission;
      if (!decision) continue; // refused before policy was asked
      const reviewOnly = !decision.error && decision.deny.length === 0 && decision.review.required;
      if (admission.admitted || reviewOnly)
        listed.push({ name, protocol, labels, access: admission.admitted ? 'allowed' : 'approval_required' });
    }
    return listed;
  }

  query(
    target: string,
    sql: string,
    parameters: readonly (string | null)[] | undefined,
    rowLimit: number | undefined,
    signal?: AbortSignal,
  ): Promise<AgentOutcome> {
    const options = this.targets.postgres.get(target);
    if (!options) return Promise.resolve(unknownTarget(target, 'postgres'));
    const limit = Math.min(rowLimit ?? this.limits.maxRows, this.limits.maxRows);
    return this.serially(target, async () => {
      const session = await this.statementSession(target, options);
      if ('status' in session) return session;
      const outcome = await guardCommand(session, (approvalId) =>
        session.decide(sql, approvalId, parameters),
      );
      if (outcome.kind === 'pending') {
        this.waiting.set(outcome.pending.approvalId, {
          kind: 'query',
          target,
          session,
          pending: outcome.pending,
          rowLimit: limit,
        });
      }
      return this.runStatement(target, session, outcome, limit, signal);
    });
  }

  exec(target: string, command: string): Promise<AgentOutcome> {
    const options = this.targets.ssh.get(target);
    if (!options) return Promise.resolve(unknownTarget(target, 'ssh'));
    return this.serially(target, async () => {
      const session = await this.commandSession(target, options);
      if ('status' in session) return session;
      const outcome = await guardCommand(session, (approvalId) => session.decide(command, approvalId));
      if (outcome.kind === 'pending') {
        this.waiting.set(outcome.pending.approvalId, {
          kind: 'exec',
          target,
          session,
          pending: outcome.pending,
        });
      }
      return this.runExec(target, session, outcome);
    });
  }

  /**
   * Waits (at most `waitSeconds`, within the configured bound) for the
   * decision on a command of this MCP session that is waiting for approval,
   * and runs exactly that command once granted. The agent passes only the
   * approval id: the text is the one the approver saw.
   */
  async awaitApproval(
    approvalId: string,
    waitSeconds: number | undefined,
    signal?: AbortSignal,
  ): Promise<AgentOutcome> {
    if (this.goodbye !== undefined) return { status: 'error', message: this.goodbye };
    const entry = this.waiting.get(approvalId);
    if (!entry) {
      return { status: 'error', message: `no command of this MCP session waits for approval ${approvalId}` };
    }
    const seconds = Math.min(
      waitSeconds ?? this.limits.maxApprovalWaitSeconds,
      this.limits.maxApprovalWaitSeconds,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), seconds * 1000)),
    );
    const verdict: Promise<Decided> = entry.pending.verdict;
    const settled = await Promise.race([verdict.then(() => 'settled' as const), timedOut]);
    clearTimeout(timer);
    if (settled === 'timeout') return pendingOutcome<Decided>(entry.target, entry.pending);
    // Collected once: a second await_approval on the same id finds nothing.
    if (this.waiting.get(approvalId) !== entry) {
      return { status: 'error', message: `approval ${approvalId} was already collected` };
    }
    this.waiting.delete(approvalId);
    const { sequence } = entry.pending;
    if (entry.kind === 'query') {
      const decision = await entry.pending.verdict;
      return this.serially(entry.target, () =>
        this.runStatement(
          entry.target,
          entry.session,
          settleReview(entry.session, sequence, decision),
          entry.rowLimit,
          signal,
        ),
      );
    }
    const decision = await entry.pending.verdict;
    return this.serially(entry.target, () =>
      this.runExec(entry.target, entry.session, settleReview(entry.session, sequence, decision)),
    );
  }

  /** Ends every wait (cancelling its approval) and every session, each recording SessionClosed with `reason`. */
  async close(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.waiting.values()) entry.pending.interrupt('the MCP session closed');
    await Promise.all([...this.waiting.values()].map((e) => e.pending.verdict.catch(() => undefined)));
    for (const entry of this.waiting.values()) {
      const decision = await entry.pending.verdict;
      entry.session.blocked(
        entry.pending.sequence,
        decision.allowed ? Refusals.notCollected : decision.refusal,
      );
    }
    this.waiting.clear();
    const sessions = [...this.statements.values(), ...this.commands.values()];
    await Promise.all(
      sessions.map((s) =>
        s.then(
          (open) => open.close(reason),
          () => undefined,
        ),
      ),
    );
  }

  private async runStatement(
    target: string,
    session: StatementSession,
    outcome: GuardedOutcome<StatementDecision>,
    rowLimit: number,
    signal?: AbortSignal,
  ): Promise<AgentOutcome> {
    if (outcome.kind === 'pending') return pendingOutcome(target, outcome.pending);
    if (outcome.kind === 'denied') return { status: 'denied', message: outcome.message };
    try {
      const result = await session.run(
        outcome.sequence,
        outcome.decision,
        {
          maxRows: rowLimit,
          maxBytes: this.limits.maxResultBytes,
        },
        signal,
      );
      return { status: 'ok', target, query: result };
    } catch (error) {
      if (session.ended !== undefined) return { status: 'error', message: session.ended };
      const ended = error instanceof StatementSessionEnded ? error.goodbye : undefined;
      this.forget(this.statements, target, session, ended ? 'credential_expired' : 'upstream_closed');
      return { status: 'error', message: ended ?? 'the database server is unavailable' };
    }
  }

  private async runExec(
    target: string,
    session: CommandSession,
    outcome: GuardedOutcome<ExecDecision>,
  ): Promise<AgentOutcome> {
    if (outcome.kind === 'pending') return pendingOutcome(target, outcome.pending);
    if (outcome.kind === 'denied') return { status: 'denied', message: outcome.message };
    const { execTimeoutSeconds } = this.limits;
    try {
      const result = await session.run(
        outcome.sequence,
        outcome.decision,
        this.limits.maxOutputBytes,
        execTimeoutSeconds * 1000,
      );
      if (result.timedOut)
        return { status: 'error', message: execTimedOut(execTimeoutSeconds), exec: result };
      return { status: 'ok', target, exec: result };
    } catch (error) {
      if (error instanceof CommandSessionEnded) return { status: 'error', message: error.goodbye };
      this.forget(this.commands, target, session, 'upstream_closed');
      return { status: 'error', message: 'the target host did not run the command' };
    }
  }

  private async statementSession(
    target: string,
    options: StatementSessionOptions,
  ): Promise<StatementSession | AgentOutcome> {
    const existing = this.statements.get(target);
    const open = await existing?.catch(() => undefined);
    if (open && !open.broken) return open;
    if (open) this.forget(this.statements, target, open, 'upstream_closed');
    const opening = StatementSession.open(options, this.identity, this.clientAddress, 'mcp', (goodbye) =>
      this.terminated(goodbye),
    );
    this.statements.set(target, opening);
    try {
      return await opening;
    } catch (error) {
      this.statements.delete(target);
      return sessionRefused(
        target,
        error instanceof PostgresRefusal && error.reason === 'approval_pending'
          ? error.clientMessage
          : undefined,
      );
    }
  }

  private async commandSession(
    target: string,
    options: CommandSessionOptions,
  ): Promise<CommandSession | AgentOutcome> {
    const existing = await this.commands.get(target)?.catch(() => undefined);
    if (existing && !existing.broken) return existing;
    if (existing) this.forget(this.commands, target, existing, 'upstream_closed');
    const opening = CommandSession.open(options, this.identity, this.clientAddress, 'mcp', (goodbye) =>
      this.terminated(goodbye),
    );
    this.commands.set(target, opening);
    try {
      return await opening;
    } catch {
      this.commands.delete(target);
      return sessionRefused(target, undefined);
    }
  }

  /**
   * An operator ended one of this MCP session's sessions: the MCP session
   * ends. The others close with `mcp_session_terminated` (or, for a
   * revocation, as terminated themselves: the lifecycle ends each).
   */
  private terminated(goodbye: string): void {
    if (this.goodbye !== undefined) return;
    this.goodbye = goodbye;
    void this.close('mcp_session_terminated');
  }

  private forget<S extends { close(reason: string): Promise<void> }>(
    sessions: Map<string, Promise<S>>,
    target: string,
    session: S,
    reason: string,
  ): void {
    const entry = sessions.get(target);
    // Only that entry: a session opened in its place meanwhile stays.
    void entry?.then((current) => {
      if (current === session && sessions.get(target) === entry) sessions.delete(target);
    });
    void session.close(reason);
  }

  /** Commands on one target in call order (one upstream connection each). */
  private serially<T>(target: string, work: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.resolve({ status: 'error', message: this.goodbye ?? 'the MCP session is closed' } as T);
    const previous = this.chains.get(target) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.chains.set(
      target,
      next.catch(() => undefined),
    );
    return next;
  }
}

function execTimedOut(seconds: number): string {
  return `portcullis: exec timed out: the command ran past ${seconds} s (mcp.execTimeoutSeconds) and was stopped`;
}
