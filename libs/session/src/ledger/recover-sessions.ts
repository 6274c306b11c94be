import {
  gatewayStream,
  sessionStream,
  toNewEvent,
  type NewEvent,
  type Recorded,
  type SessionEvent,
} from '@portcullis/events';
import { WrongExpectedRevisionError, type EventStore } from '@portcullis/eventstore';
import type { RecorderContext } from './recorder-context.js';

export interface RecoveryReport {
  /** Sessions closed with reason `gateway_restart`. */
  readonly sessions: number;
  /** Commands marked CommandOutcomeUnknown. */
  readonly commandsUnknown: number;
}

/** What a dead instance's session stream says: how far it got and which commands never finished. */
interface SessionTail {
  revision: number;
  lastId: string;
  open: boolean;
  openedAt: number;
  commands: number;
  /** sequence → whether CommandForwarded was recorded, for commands with no Completed or Blocked. */
  unfinished: Map<number, boolean>;
}

/**
 * After a crash, the sessions a gateway instance held are still open in the
 * trail, and the commands that were in flight carry only their write-ahead
 * pair (and maybe CommandForwarded). On start, before it takes new
 * connections, the instance closes each of them (`SessionClosed`, reason
 * `gateway_restart`) and marks every unfinished command
 * `CommandOutcomeUnknown`, saying whether it had been forwarded: the trail
 * then tells a command that may have run from one that finished, instead of
 * showing both the same way. Appends use the exact revision read, so a
 * session another writer closed meanwhile is left alone.
 */
export async function recoverSessions(
  store: EventStore,
  sessionIds: readonly string[],
  context: RecorderContext,
  now: () => Date = () => new Date(),
): Promise<RecoveryReport> {
  let sessions = 0;
  let commandsUnknown = 0;
  for (const sessionId of sessionIds) {
    const stream = sessionStream(sessionId);
    const tail = foldTail(await store.readStream<SessionEvent>(stream));
    if (!tail?.open) continue;
    const events: SessionEvent[] = [...tail.unfinished].map(([sequence, forwarded]) => ({
      type: 'CommandOutcomeUnknown',
      data: { sessionId, sequence, reason: 'gateway_restart', forwarded },
    }));
    events.push({
      type: 'SessionClosed',
      data: {
        sessionId,
        reason: 'gateway_restart',
        bytesFromClient: 0,
        bytesToClient: 0,
        durationMs: Math.max(0, now().getTime() - tail.openedAt),
        commands: tail.commands,
      },
    });
    let causation = tail.lastId;
    const built: NewEvent[] = events.map((event) => {
      const next = toNewEvent(event, { ...context, correlationId: sessionId, causationId: causation });
      causation = next.id;
      return next;
    });
    try {
      await store.append(stream, built, tail.revision);
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) continue;
      throw error;
    }
    sessions += 1;
    commandsUnknown += tail.unfinished.size;
  }
  if (sessions > 0) {
    await store.append(
      gatewayStream(context.gatewayInstance),
      [
        toNewEvent(
          { type: 'SessionsRecovered', data: { sessions, commandsUnknown } },
          { ...context, correlationId: context.gatewayInstance, causationId: null },
        ),
      ],
      'any',
    );
  }
  return { sessions, commandsUnknown };
}

function foldTail(recorded: readonly Recorded<SessionEvent>[]): SessionTail | undefined {
  const last = recorded.at(-1);
  if (!last) return undefined;
  const tail: SessionTail = {
    revision: last.revision,
    lastId: last.id,
    open: false,
    openedAt: 0,
    commands: 0,
    unfinished: new Map(),
  };
  for (const event of recorded) {
    switch (event.type) {
      case 'SessionOpened':
        tail.open = true;
        tail.openedAt = new Date(event.metadata.recordedAt).getTime();
        break;
      case 'CommandReceived':
        tail.commands = Math.max(tail.commands, event.data.sequence);
        tail.unfinished.set(event.data.sequence, false);
        break;
      case 'CommandForwarded':
        if (tail.unfinished.has(event.data.sequence)) tail.unfinished.set(event.data.sequence, true);
        break;
      case 'CommandCompleted':
      case 'CommandBlocked':
      case 'CommandOutcomeUnknown':
        tail.unfinished.delete(event.data.sequence);
        break;
      case 'SessionClosed':
      case 'SessionRejected':
        tail.open = false;
        break;
      default:
        break;
    }
  }
  return tail;
}
