import { randomUUID } from 'node:crypto';
import { ValidationError } from './errors.js';
import { eventCatalog, type DomainEvent, type EventType } from './catalog/index.js';

/** A position in the global order of all events (`$all`). */
export interface Position {
  /** PostgreSQL: the appending transaction id; EventStoreDB: the commit position. */
  readonly commit: bigint;
  /** PostgreSQL: the global sequence number; EventStoreDB: the prepare position. */
  readonly prepare: bigint;
}
export const START: Position = { commit: 0n, prepare: 0n };

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}
export const formatPosition = (p: Position): string => `${p.commit}/${p.prepare}`;

/** The inverse of `formatPosition` (`<commit>/<prepare>`, two unsigned integers); `what` names the input in the error. */
export function parsePosition(text: string, what = 'position'): Position {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text.trim());
  if (!match) {
    throw new ValidationError(`invalid ${what}`, [
      {
        path: what,
        message: `must be <commit>/<prepare> as events print it (e.g. 1234/56), not ${JSON.stringify(text.slice(0, 60))}`,
      },
    ]);
  }
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

/** Metadata every event carries. `$`-names follow EventStoreDB conventions. */
export interface EventMetadata {
  /** The session id (or the approval's session) this event belongs to. */
  readonly $correlationId: string;
  /** The event or command that caused this one. */
  readonly $causationId: string | null;
  /** Who did it: an identity subject, `system`, or the gateway itself. */
  readonly actor: string;
  readonly gatewayInstance: string;
  /** ISO 8601, set by the writer. */
  readonly recordedAt: string;
  /** SHA-256 of the previous event of the same stream (see hash-chain.ts). */
  readonly prevHash: string;
}
/** What a writer supplies; the store fills in `prevHash` inside the append. */
export type WriteMetadata = Omit<EventMetadata, 'prevHash'>;

/** Any event, as the store sees it: a string type and JSON data. */
export interface AnyEvent {
  type: string;
  data: unknown;
}

export interface NewEvent<E extends AnyEvent = AnyEvent> {
  readonly id: string;
  readonly type: E['type'];
  readonly schemaVersion: number;
  readonly data: E['data'];
  readonly metadata: WriteMetadata;
}

export interface RecordedEvent<E extends AnyEvent = AnyEvent> {
  readonly id: string;
  readonly type: E['type'];
  readonly schemaVersion: number;
  readonly data: E['data'];
  readonly metadata: EventMetadata;
  readonly streamName: string;
  /** 0-based position in its stream. */
  readonly revision: number;
  readonly position: Position;
  /** SHA-256 of this event's canonical form; the next event's `prevHash`. */
  readonly hash: string;
}

/**
 * A recorded event of one of the types in `E`, distributed over the union so
 * that narrowing on `type` narrows `data`: `Recorded<SessionEvent>` is
 * `RecordedEvent<SessionOpened> | RecordedEvent<CommandReceived> | …`.
 */
export type Recorded<E extends AnyEvent> = E extends AnyEvent ? RecordedEvent<E> : never;

export interface EventContext {
  correlationId: string;
  causationId?: string | null;
  actor: string;
  gatewayInstance: string;
  /** Injected so tests can fix time. */
  now?: () => Date;
}

/** Wraps a domain event for appending, stamping id, schema version and metadata. */
export function toNewEvent<E extends DomainEvent>(event: E, context: EventContext): NewEvent<E> {
  const type = event.type as EventType;
  return {
    id: randomUUID(),
    type: event.type,
    schemaVersion: eventCatalog[type].schemaVersion,
    data: event.data,
    metadata: {
      $correlationId: context.correlationId,
      $causationId: context.causationId ?? null,
      actor: context.actor,
      gatewayInstance: context.gatewayInstance,
      recordedAt: (context.now?.() ?? new Date()).toISOString(),
    },
  };
}
