import { GENESIS_HASH } from '@portcullis/events';

export interface StreamHead {
  /** Revision of the stream's last event; -1 for no stream. */
  readonly revision: number;
  /** Hash of that event (GENESIS_HASH for no stream): the next event's prevHash. */
  readonly hash: string;
}

export const NO_STREAM_HEAD: StreamHead = { revision: -1, hash: GENESIS_HASH };

/**
 * The heads of recently written streams, learned from our own appends and
 * from the database's answers. One writer per stream keeps this current, so
 * the writer can build the hash chain before the round trip; the database
 * still checks the head and answers `stale` (with the real head) if another
 * writer moved it. Bounded: least recently used heads are forgotten.
 */
export class StreamHeads {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity = 50_000) {}

  get(streamName: string): StreamHead | undefined {
    const head = this.heads.get(streamName);
    if (head) {
      this.heads.delete(streamName); // re-insert: Map order is our recency order
      this.heads.set(streamName, head);
    }
    return head;
  }

  set(streamName: string, head: StreamHead): void {
    this.heads.delete(streamName);
    this.heads.set(streamName, head);
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value!);
  }
}
