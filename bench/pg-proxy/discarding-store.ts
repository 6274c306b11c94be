import type { AppendResult, EventStore, EventSubscription, ExpectedRevision } from '@portcullis/eventstore';
import type { AnyEvent, NewEvent, Position } from '@portcullis/events';

/**
 * A DIAGNOSTIC store that acknowledges every append at once and keeps
 * nothing: with it, what the proxy still costs is its own CPU (classify,
 * decide, build and hash events) and the relay, with no audit I/O. Never a
 * configuration: write-ahead audit to nowhere is not audit.
 */
export class DiscardingStore implements EventStore {
  readonly description = 'discarding (bench diagnostic)';
  private position = 0n;
  private readonly heads = new Map<string, number>();
  readonly checkpoints = {
    load: () => Promise.resolve(null),
    store: () => Promise.resolve(),
    reset: () => Promise.resolve(),
  };

  append(stream: string, events: readonly NewEvent[], _expected: ExpectedRevision): Promise<AppendResult> {
    const revision = (this.heads.get(stream) ?? -1) + events.length;
    this.heads.set(stream, revision);
    this.position += BigInt(events.length);
    const position: Position = { commit: this.position, prepare: this.position };
    return Promise.resolve({ nextExpectedRevision: revision, position });
  }
  readStream() {
    return Promise.resolve([]);
  }
  readAll() {
    return Promise.resolve([]);
  }
  subscribeToAll<E extends AnyEvent>(): EventSubscription<E> {
    throw new Error('the discarding store has no subscriptions');
  }
  ping() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}
