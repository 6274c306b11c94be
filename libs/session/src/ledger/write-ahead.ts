import {
  WriteAheadFailed,
  type CommandDecision,
  type ReceivedCommand,
  type SessionRecorder,
} from './session-recorder.js';
import { Refusals } from '../verdict/refusals.js';
import type { ShadowDifference } from '../verdict/shadow-policy.js';

/** What a front end logs with (pino's shape). */
export interface LedgerLogger {
  error(fields: object, message: string): void;
}

/**
 * Write-ahead for one command of any front end: the sequence once
 * CommandReceived+CommandDecided are durable, or undefined when they are not
 * within the append timeout, or the client cancelled (`signal`). Then the
 * command must be refused with `Refusals.auditUnavailable`, and is recorded
 * as such here: its CommandBlocked (with the front end's `errorCode`) reaches
 * the store with the pair once the store takes them.
 */
export async function writeAhead(
  recorder: SessionRecorder,
  decision: WriteAheadDecision,
  refusal: WriteAheadRefusal,
): Promise<number | undefined> {
  return settle(
    recorder,
    decision,
    refusal,
    recorder.decide(decision.received, decision.decided, refusal.signal),
  );
}

/**
 * Write-ahead for a command that runs while its pair is appended (an
 * effect-free read, AuditOptions.overlapReads): the sequence at once, and
 * whether the pair became durable. On false the front end withholds the
 * command's result and refuses it (`Refusals.auditUnavailable`), recorded
 * here as for `writeAhead`.
 */
export function writeAheadRunning(
  recorder: SessionRecorder,
  decision: WriteAheadDecision,
  refusal: WriteAheadRefusal,
): { sequence: number; durable: Promise<boolean> } {
  const { sequence, durable } = recorder.begin(decision.received, decision.decided, refusal.signal);
  return {
    sequence,
    durable: settle(recorder, decision, refusal, durable).then((settled) => settled !== undefined),
  };
}

interface WriteAheadDecision {
  readonly received: ReceivedCommand;
  readonly decided: CommandDecision;
  readonly shadow?: ShadowDifference;
}

interface WriteAheadRefusal {
  readonly errorCode: string;
  readonly logger: LedgerLogger;
  readonly signal?: AbortSignal;
}

async function settle(
  recorder: SessionRecorder,
  decision: WriteAheadDecision,
  refusal: WriteAheadRefusal,
  durable: Promise<number>,
): Promise<number | undefined> {
  try {
    const sequence = await durable;
    // After the pair, never awaited: the shadow's opinion cannot hold up the command.
    if (decision.shadow) recorder.shadowDiffered(sequence, decision.shadow).catch(() => undefined);
    return sequence;
  } catch (error) {
    refusal.logger.error(
      { sessionId: recorder.sessionId, err: error instanceof Error ? error.message : String(error) },
      'write-ahead append failed: refusing the command',
    );
    if (error instanceof WriteAheadFailed) {
      recorder
        .blocked(error.sequence, { reason: Refusals.auditUnavailable, errorCode: refusal.errorCode })
        .catch(() => undefined); // kept and retried by the recorder; nothing to add here
    }
    return undefined;
  }
}
