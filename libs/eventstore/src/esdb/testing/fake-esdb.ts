import { PassThrough } from 'node:stream';
import type { AllStreamRecordedEvent, AllStreamResolvedEvent, EventData } from '@eventstore/db-client';
import type { NewEvent, Position } from '@portcullis/events';
import { chainEvents, toEsdbEventData, type StreamHead } from '../stored-event.js';

/*
 * Stand-ins for what the ESDB client hands back, for unit tests only (no
 * server). Events are built by the adapter's own write path and "stored"
 * the way the server does it: JSON-serialised, ids as given.
 */

export function newEvent(id: string, type = 'SessionOpened', data: Record<string, unknown> = {}): NewEvent {
  return {
    id,
    type: type as NewEvent['type'],
    schemaVersion: 1,
    data: data as NewEvent['data'],
    metadata: {
      $correlationId: 'session-1',
      $causationId: null,
      actor: 'ci-job',
      gatewayInstance: 'gw-1',
      recordedAt: '2026-01-01T00:00:00.000Z',
    },
  };
}

/** What a server would return after storing `data` at this revision and position. */
export function storedEvent(
  streamId: string,
  revision: number,
  data: EventData,
  position: Position,
): AllStreamRecordedEvent {
  return {
    streamId,
    id: data.id,
    isJson: true,
    revision: BigInt(revision),
    type: data.type,
    created: new Date(0),
    data: JSON.parse(JSON.stringify(data.data)) as Record<string, unknown>,
    metadata: JSON.parse(JSON.stringify(data.metadata)) as Record<string, unknown>,
    position,
  };
}

/** A whole stream written by the adapter: events at revisions 0.., positions from `firstPosition` on. */
export function storedStream(
  streamName: string,
  events: readonly NewEvent[],
  firstPosition = 100n,
  head: StreamHead | null = null,
): AllStreamRecordedEvent[] {
  return chainEvents(streamName, events, head).map((chained, i) => {
    const at = firstPosition + BigInt(i) * 10n;
    return storedEvent(streamName, chained.revision, toEsdbEventData(chained), { commit: at, prepare: at });
  });
}

export function systemEvent(position: bigint, streamId = '$stats-127.0.0.1:2113', type = '$statsCollected') {
  return {
    streamId,
    id: '00000000-0000-4000-8000-000000000000',
    isJson: true,
    revision: 0n,
    type,
    created: new Date(0),
    data: {},
    metadata: undefined,
    position: { commit: position, prepare: position },
  } as AllStreamRecordedEvent;
}

export const resolved = (event: AllStreamRecordedEvent): AllStreamResolvedEvent => ({ event });

/** An async-iterable read that yields `events`, or fails with `error` after them. */
export function fakeRead<T>(events: readonly T[], error?: Error): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const event of events) yield event;
      if (error) throw error;
    },
  };
}

/** A subscription the test drives by hand; it is a real object-mode stream, like the client's. */
export class FakeSubscription extends PassThrough {
  unsubscribed = false;
  constructor(readonly fromPosition: unknown) {
    super({ objectMode: true });
  }
  unsubscribe(): Promise<void> {
    this.unsubscribed = true;
    return Promise.resolve();
  }
}
