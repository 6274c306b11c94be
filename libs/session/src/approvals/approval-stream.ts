import {
  approvalStream,
  toNewEvent,
  type ApprovalEvent,
  type EventContext,
  type Recorded,
} from '@portcullis/events';
import { WrongExpectedRevisionError, type EventStore } from '@portcullis/eventstore';
import { decide, foldApproval, type ApprovalCommand, type ApprovalState, type Decision } from './approval.js';

/** Who appends: the deciding identity (or the gateway itself) and the instance. */
export type ApprovalWriter = Omit<EventContext, 'correlationId' | 'causationId'>;

export interface ApprovalCommandResult {
  readonly decision: Decision;
  /** The approval after the command (undefined: no such approval). */
  readonly state: ApprovalState | undefined;
}

const MAX_ATTEMPTS = 5;

/**
 * Runs one command against an approval stream: read, fold, decide, append
 * with the exact revision read. A concurrent writer (another instance
 * granting, the expiry saga) makes the append fail; we read again and
 * decide again, so two racing expiries append one ApprovalExpired, and a
 * grant racing an expiry is decided on the state that won.
 * A refused grant or deny is recorded too (ApprovalDecisionRefused), also
 * for an id that names no approval: that stream then holds only refusals,
 * and a request can never be appended to it (requests need `no_stream`).
 */
export async function runApprovalCommand(
  store: EventStore,
  approvalId: string,
  command: ApprovalCommand,
  writer: ApprovalWriter,
  now: () => Date = () => new Date(),
): Promise<ApprovalCommandResult> {
  const stream = approvalStream(approvalId);
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream<ApprovalEvent>(stream);
    const state = foldApproval(recorded.map(asApprovalEvent));
    const decision = decide(approvalId, state, command, now());
    const toAppend = decision.events;
    if (toAppend.length === 0) return { decision, state };
    const last = recorded.at(-1);
    const events = toAppend.map((event) =>
      toNewEvent(event, {
        ...writer,
        correlationId:
          state?.request.sessionId ?? (command.kind === 'request' ? command.request.sessionId : approvalId),
        causationId: last?.id ?? null,
      }),
    );
    try {
      // A request needs a new stream: never one that holds refused attempts on an unknown id.
      const expected = command.kind === 'request' || last === undefined ? 'no_stream' : last.revision;
      await store.append(stream, events, expected);
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
    const after = foldApproval([
      ...recorded.map(asApprovalEvent),
      ...toAppend.map((event) => ({ event, recordedAt: now() })),
    ]);
    return { decision, state: after };
  }
}

export function asApprovalEvent(recorded: Recorded<ApprovalEvent>): {
  event: ApprovalEvent;
  recordedAt: Date;
} {
  return {
    event: recorded,
    recordedAt: new Date(recorded.metadata.recordedAt),
  };
}
