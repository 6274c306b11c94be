import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
  type AppendExpectedRevision,
  type EventData,
  type ReadRevision,
} from '@eventstore/db-client';
import type { NewEvent } from '@portcullis/events';
import { chainEvents, fromEsdbEvent, toEsdbEventData } from '../stored-event.js';
import { fakeRead, storedEvent } from './fake-esdb.js';

/**
 * Just enough of an EventStoreDB for the append path's unit tests: streams
 * with revisions, $all positions, expectedRevision checks, and a hook that
 * lets a "racing writer" get in between our read and our write.
 */
export class InMemoryEsdb {
  readonly streams = new Map<string, AllStreamRecordedEvent[]>();
  private nextPosition = 100n;
  appendCalls = 0;
  /** Runs once per appendToStream call, before the expectation is checked. */
  beforeAppend: ((streamName: string) => void) | undefined;

  readStream(
    streamName: string,
    options: { direction?: string; fromRevision?: ReadRevision; maxCount?: number | bigint },
  ) {
    const events = this.streams.get(streamName);
    if (!events) return fakeRead([], new StreamNotFoundError(undefined, streamName));
    let selected = options.direction === 'backwards' ? [...events].reverse() : [...events];
    if (typeof options.fromRevision === 'bigint') {
      const from = options.fromRevision;
      selected = selected.filter((e) =>
        options.direction === 'backwards' ? e.revision <= from : e.revision >= from,
      );
    }
    return fakeRead(
      selected.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)).map((event) => ({ event })),
    );
  }

  /** A racing writer's append, done synchronously and chained properly onto the current head. */
  appendNow(streamName: string, events: readonly NewEvent[]): void {
    const stored = this.streams.get(streamName) ?? [];
    const last = stored[stored.length - 1];
    const head = last ? fromEsdbEvent(last) : null;
    for (const chained of chainEvents(streamName, events, head)) {
      const at = (this.nextPosition += 10n);
      stored.push(
        storedEvent(streamName, chained.revision, toEsdbEventData(chained), { commit: at, prepare: at }),
      );
    }
    this.streams.set(streamName, stored);
  }

  appendToStream(
    streamName: string,
    data: EventData | EventData[],
    options: { expectedRevision?: AppendExpectedRevision } = {},
  ) {
    this.appendCalls += 1;
    const hook = this.beforeAppend;
    this.beforeAppend = undefined;
    hook?.(streamName);
    const events = this.streams.get(streamName) ?? [];
    const current = events.length === 0 ? 'no_stream' : BigInt(events.length - 1);
    const expected = options.expectedRevision ?? 'any';
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && current === 'no_stream') ||
      (expected === 'stream_exists' && current !== 'no_stream') ||
      expected === current;
    if (!holds) {
      return Promise.reject(new WrongExpectedVersionError(undefined, { streamName, expected, current }));
    }
    for (const item of Array.isArray(data) ? data : [data]) {
      const at = (this.nextPosition += 10n);
      events.push(storedEvent(streamName, events.length, item, { commit: at, prepare: at }));
    }
    this.streams.set(streamName, events);
    const last = events[events.length - 1]!;
    return Promise.resolve({ success: true, nextExpectedRevision: last.revision, position: last.position });
  }
}
