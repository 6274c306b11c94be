import {
  awaitApproval,
  denied,
  Refusals,
  type ReceivedCommand,
  type ReviewContext,
  type SessionRecorder,
  type Verdict,
} from '@portcullis/session';

/** A decided command of either kind (a statement, an exec command line). */
export type Decided = Verdict & { readonly received: ReceivedCommand };

/**
 * What the MCP front end needs of a database or host session: the
 * protocol's own decision, the core's write-ahead and ledger. The
 * PostgreSQL StatementSession and the SSH CommandSession both are one.
 */
export interface GuardedSession<D extends Decided> {
  readonly recorder: SessionRecorder;
  readonly review: ReviewContext;
  writeAhead(decision: D): Promise<number | undefined>;
  blocked(sequence: number, refusal: string): void;
}

/** A command waiting for a human: what the agent is told, and the wait the core runs. */
export interface PendingCommand<D extends Decided> {
  readonly approvalId: string;
  readonly reason: string;
  readonly expiresAt: Date;
  readonly whereToDecide: string;
  readonly sequence: number;
  /** The decision after the wait: allowed once granted (decided again with the approval), else a refusal. */
  readonly verdict: Promise<D>;
  /** Ends the wait (the MCP session closed): the approval is cancelled. */
  readonly interrupt: (why: string) => void;
}

export type GuardedOutcome<D extends Decided> =
  | { readonly kind: 'allowed'; readonly sequence: number; readonly decision: D }
  /** `message` is what the agent reads: `portcullis: denied: …`. */
  | { readonly kind: 'denied'; readonly message: string }
  | { readonly kind: 'pending'; readonly pending: PendingCommand<D> };

/**
 * One command's way to the upstream, as every front end takes it
 * (docs/architecture.md "The life of a command"): the protocol's decision,
 * write-ahead (refused when the store cannot take it), a refusal recorded
 * as CommandBlocked. A command that needs review is handed to the core's
 * approval wait (libs/session awaitApproval); unlike a psql client, an MCP
 * agent does not hold a connection open while a human decides, so the wait
 * goes on behind a pending tool result, and `await_approval` collects it.
 */
export async function guardCommand<D extends Decided>(
  session: GuardedSession<D>,
  /** The protocol's decision of this one command; with an approval id, decided again after the grant. */
  decide: (approvalId?: string) => D,
): Promise<GuardedOutcome<D>> {
  const decision = decide();
  const sequence = await session.writeAhead(decision);
  if (sequence === undefined) return { kind: 'denied', message: denied(Refusals.auditUnavailable) };
  if (decision.review) return startReview(session, decision, sequence, decide);
  if (!decision.allowed) return refuse(session, sequence, decision);
  return { kind: 'allowed', sequence, decision };
}

/** After the wait: the allowed decision to run, or the refusal (recorded). */
export function settleReview<D extends Decided>(
  session: GuardedSession<D>,
  sequence: number,
  decision: D,
): GuardedOutcome<D> {
  if (!decision.allowed) return refuse(session, sequence, decision);
  return { kind: 'allowed', sequence, decision };
}

type Told = { approvalId: string; reason: string; expiresAt: Date; whereToDecide: string };

async function startReview<D extends Decided>(
  session: GuardedSession<D>,
  decision: D,
  sequence: number,
  decide: (approvalId?: string) => D,
): Promise<GuardedOutcome<D>> {
  let interrupt: ((why: string) => void) | undefined;
  let earlyInterrupt: string | undefined;
  let tell!: (message: Told) => void;
  const told = new Promise<Told>((resolve) => (tell = resolve));
  const verdict = awaitApproval(
    session.review,
    session.recorder,
    decision,
    sequence,
    {
      tell: (message) => tell(message),
      onInterrupt: (stop) => {
        interrupt = stop;
        if (earlyInterrupt !== undefined) stop(earlyInterrupt);
        return () => (interrupt = undefined);
      },
    },
    // Decided again with the grant, on exactly the text (and parameters) the approval names.
    (approvalId) => decide(approvalId),
  );
  const first = await Promise.race([
    told.then((message) => ({ told: message })),
    verdict.then((settled) => ({ settled })),
  ]);
  // No gate, or the request could not be made: the wait is over before it began.
  if ('settled' in first) return settleReview(session, sequence, first.settled);
  return {
    kind: 'pending',
    pending: {
      ...first.told,
      sequence,
      verdict,
      interrupt: (why) => (interrupt ? interrupt(why) : (earlyInterrupt = why)),
    },
  };
}

function refuse<D extends Decided>(
  session: GuardedSession<D>,
  sequence: number,
  decision: D,
): GuardedOutcome<D> {
  session.blocked(sequence, decision.refusal);
  return { kind: 'denied', message: denied(decision.refusal) };
}
