import {
  categoryOf,
  formatPosition,
  parsePosition,
  sessionStream,
  StreamCategory,
  ValidationError,
  type Position,
  type RecordedEvent,
} from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import {
  approvalFactsOf,
  sessionFactsOf,
  toOcsf,
  type ApprovalFacts,
  type OcsfContext,
  type SessionFacts,
} from './ocsf/index.js';

/**
 * What SIEMs read, for `portcullis events tail` and `GET /api/events`: the
 * events of `$all` in global order, one JSON object each, as the catalog
 * records them (`json`) or mapped to OCSF (`ocsf`). Both carry the global
 * position (`position`, or `unmapped.portcullis.position` in OCSF), which is
 * where a reader resumes.
 */
export const FEED_FORMATS = ['json', 'ocsf'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export function parseFeedFormat(text: string | undefined, what: string): FeedFormat {
  const format = text ?? 'json';
  if (!(FEED_FORMATS as readonly string[]).includes(format)) {
    throw new ValidationError(`invalid ${what}`, [
      { path: what, message: `must be one of ${FEED_FORMATS.join(', ')}` },
    ]);
  }
  return format as FeedFormat;
}

/** Where a reader starts: exclusive of a position, or the start / the end of `$all`. */
export type FeedStart = Position | 'start' | 'end';

export function parseFeedStart(text: string | undefined, what: string): FeedStart {
  if (text === undefined || text === 'start') return 'start';
  if (text === 'end') return 'end';
  return parsePosition(text, what);
}

/** An event as the `json` format prints it. */
export function eventRecord(event: RecordedEvent): Record<string, unknown> {
  return {
    position: formatPosition(event.position),
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamName: event.streamName,
    revision: event.revision,
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
  };
}

/** Sessions and approvals whose first events are remembered, at most. */
const MAX_REMEMBERED = 10_000;

/**
 * Renders events in one format. OCSF needs what a session's (or an
 * approval's) first event said; the feed remembers it as it passes, and a
 * reader that started mid-stream reads that first event from the store.
 */
export class EventFeed {
  private readonly sessions = new Map<string, SessionFacts | null>();
  private readonly approvals = new Map<string, ApprovalFacts | null>();

  constructor(
    private readonly store: EventStore,
    readonly format: FeedFormat,
  ) {}

  /** The event as one JSON object, or undefined when the format has nothing for it (OCSF has no class for some). */
  async render(event: RecordedEvent): Promise<Record<string, unknown> | undefined> {
    if (this.format === 'json') return eventRecord(event);
    const ocsf = toOcsf(event, await this.contextOf(event));
    return ocsf as Record<string, unknown> | undefined;
  }

  private async contextOf(event: RecordedEvent): Promise<OcsfContext> {
    const category = categoryOf(event.streamName);
    if (category === StreamCategory.Session) {
      const opened = sessionFactsOf(event);
      if (opened) remember(this.sessions, event.streamName, opened);
      const session = await this.session(event.streamName);
      return session ? { session } : {};
    }
    if (category === StreamCategory.Approval) {
      const requested = approvalFactsOf(event);
      if (requested) remember(this.approvals, event.streamName, requested);
      const approval = await this.first(this.approvals, event.streamName, approvalFactsOf);
      if (!approval) return {};
      const session = await this.session(sessionStream(approval.sessionId));
      return session ? { approval, session } : { approval };
    }
    return {};
  }

  private session(streamName: string): Promise<SessionFacts | undefined> {
    return this.first(this.sessions, streamName, sessionFactsOf);
  }

  private async first<T>(
    cache: Map<string, T | null>,
    streamName: string,
    factsOf: (event: RecordedEvent) => T | undefined,
  ): Promise<T | undefined> {
    if (cache.has(streamName)) return cache.get(streamName) ?? undefined;
    const [first] = await this.store.readStream(streamName, { maxCount: 1 });
    const facts = first ? (factsOf(first) ?? null) : null;
    remember(cache, streamName, facts);
    return facts ?? undefined;
  }
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > MAX_REMEMBERED) cache.delete(cache.keys().next().value!);
}
