import type { SessionRecorder } from '@portcullis/session';
import type { ClientChannel } from '../connection/client-channel.js';
import type { MaskingPlan } from '../masking/masking-plan.js';
import type { Expectation, ResponseTracker, TrackedCommand } from '../relay/response-tracker.js';
import type { StatementContext, StatementDecision } from './decide-statement.js';

/**
 * What a statement's handling needs from the session it runs in: the
 * session core's ledger and context, and the relay's wire. SessionRelay
 * implements it; statements depend only on this, so the relay can dispatch
 * to them without an import circle.
 */
export interface StatementRelay {
  readonly channel: ClientChannel;
  readonly recorder: SessionRecorder;
  /** What the server owes and its transaction state (response-tracker.ts). */
  readonly tracker: ResponseTracker;
  readonly statements: StatementContext;
  /** The extended protocol's state: after a refusal, messages up to Sync are discarded. */
  readonly extended: { readonly discarding: boolean; readonly executedSinceSync: boolean };
  /**
   * The statement may run ahead of its durable write-ahead pair (an
   * effect-free read at the start of an implicit transaction, strict audit
   * with overlapReads): see `runAhead`.
   */
  canRunAhead(decision: StatementDecision): boolean;
  /**
   * Forwards the command (`send`) while its write-ahead pair is appended and
   * holds every byte the server answers until the pair is durable. Resolves
   * true once it is and the result has been released; false when it is not:
   * the result was dropped and the client got the audit refusal in its place.
   */
  runAhead(
    decision: Pick<StatementDecision, 'masking'>,
    recorded: Pick<StatementDecision, 'received' | 'decided' | 'shadow'>,
    send: (command: TrackedCommand) => void,
  ): Promise<boolean>;
  /** Write-ahead through the ledger: the sequence once durable, else undefined (refuse). */
  writeAhead(
    decision: Pick<StatementDecision, 'received' | 'decided' | 'shadow'>,
  ): Promise<number | undefined>;
  /** Sends a client frame on, registering what the server owes for it. */
  forward(frame: Buffer, expectation?: Expectation): void;
  /** A command about to be forwarded; its results are masked when the plan asks for anything. */
  track(sequence: number, plan?: MaskingPlan): TrackedCommand;
  forwarded(sequence: number): void;
  blocked(sequence: number | undefined, refusal: string): void;
  /** Refuses a simple Query or FunctionCall with PostgreSQL's transaction semantics. */
  refuseSimple(refusal: string, touchesTransaction: boolean): void;
  describeCopySources(command: TrackedCommand): void;
  /** While held, a client CancelRequest calls `onCancel` instead of reaching the server. */
  holdCancellable(onCancel: () => void): () => void;
}
