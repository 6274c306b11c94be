import type { AnyEvent, Recorded, RecordedEvent } from '@portcullis/events';
import type { EventSubscription } from './port.js';

/**
 * Where the port's typed reads meet the stored rows: the store keeps any
 * JSON under any type name, and the caller states which events it expects
 * (`readStream<SessionEvent>(…)`). This is the one place that claim is made;
 * the catalog's writers (the only ones appending these types) make it true.
 */
export function typed<E extends AnyEvent>(events: RecordedEvent[]): Recorded<E>[] {
  return events as Recorded<E>[];
}

export function typedSubscription<E extends AnyEvent>(subscription: EventSubscription): EventSubscription<E> {
  return subscription as unknown as EventSubscription<E>;
}
