import {
  gatewayStream,
  sessionStream,
  toNewEvent,
  type NewEvent,
  type SessionRejectedData,
} from '@portcullis/events';
import {
  backoffDelay,
  backoffSchedule,
  WrongExpectedRevisionError,
  type EventStore,
} from '@portcullis/eventstore';
import type { AuditBacklog } from './audit-backlog.js';
import { boundedWait } from './bounded-wait.js';
import type { RecorderContext } from './recorder-context.js';

const RETRY = backoffSchedule({ initialDelayMs: 100, maxDelayMs: 5_000 });

export interface RejectionOptions {
  readonly appendTimeoutMs: number;
  readonly backlog?: AuditBacklog;
}

/**
 * Records a session that never opened. If the store does not take it now,
 * the event waits in the backlog and is retried with backoff until it does;
 * if the backlog is full, it is counted and the count appended as
 * SessionsUnrecorded to the gateway's own stream once the store is back.
 * Rejects only when it could neither be recorded nor held (no backlog).
 */
export async function recordRejection(
  store: EventStore,
  rejected: SessionRejectedData,
  context: RecorderContext,
  options: RejectionOptions,
): Promise<void> {
  const event = toNewEvent(
    { type: 'SessionRejected', data: rejected },
    { ...context, correlationId: rejected.sessionId, causationId: null },
  );
  const attempt = () => appendRejection(store, event, rejected.sessionId, context, options);
  try {
    await attempt();
    await appendUnrecordedCounts(store, context, options);
    return;
  } catch (error) {
    const { backlog } = options;
    if (!backlog) throw error;
    if (!backlog.reserve(1)) {
      backlog.countUnrecordedSession(rejected.reason);
      return;
    }
    retryInBackground(attempt, backlog, () => appendUnrecordedCounts(store, context, options));
  }
}

/**
 * SessionRejected on a new stream. If the stream exists, a SessionOpened of
 * the same session landed after its wait had ended (the session was refused
 * all the same): the stream is closed instead, saying why.
 */
async function appendRejection(
  store: EventStore,
  event: NewEvent,
  sessionId: string,
  context: RecorderContext,
  options: RejectionOptions,
): Promise<void> {
  const stream = sessionStream(sessionId);
  try {
    await boundedWait(
      store.append(stream, [event], 'no_stream'),
      options.appendTimeoutMs,
      'the SessionRejected append',
    );
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    const events = await store.readStream(stream);
    const last = events.at(-1);
    if (!last || last.id === event.id || last.type !== 'SessionOpened') return; // already recorded
    const closed = toNewEvent(
      {
        type: 'SessionClosed',
        data: {
          sessionId,
          reason: 'store_unavailable',
          bytesFromClient: 0,
          bytesToClient: 0,
          durationMs: 0,
          commands: 0,
        },
      },
      { ...context, correlationId: sessionId, causationId: last.id },
    );
    await store.append(stream, [closed], last.revision);
  }
}

function retryInBackground(
  attempt: () => Promise<void>,
  backlog: AuditBacklog,
  then: () => Promise<void>,
): void {
  let failures = 0;
  const again = () => {
    const timer = setTimeout(
      () => {
        attempt().then(
          () => {
            backlog.release(1);
            then().catch(() => undefined);
          },
          () => again(),
        );
      },
      backoffDelay(failures++, RETRY),
    );
    timer.unref();
  };
  again();
}

/** The rejections the backlog could only count, appended once the store takes events again. */
async function appendUnrecordedCounts(
  store: EventStore,
  context: RecorderContext,
  options: RejectionOptions,
): Promise<void> {
  const counts = options.backlog?.takeUnrecordedSessions();
  if (!counts) return;
  try {
    await store.append(
      gatewayStream(context.gatewayInstance),
      [
        toNewEvent(
          { type: 'SessionsUnrecorded', data: counts },
          { ...context, actor: 'portcullis', correlationId: context.gatewayInstance, causationId: null },
        ),
      ],
      'any',
    );
  } catch {
    options.backlog?.restoreUnrecordedSessions(counts);
  }
}
