import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { EventMetadata } from './envelope.js';

/**
 * Every stream is a hash chain: each event's `metadata.prevHash` is the hash of
 * the event before it in the same stream, and the first event's is GENESIS_HASH.
 *
 * An event's hash has two parts, so that a store can extend the chain inside
 * the database in the same round trip as the append:
 *   contentHash = SHA-256 of the RFC 8785 canonical JSON of the event
 *                 (stream name, id, type, schema version, data, metadata
 *                 without prevHash), computed by the writer;
 *   hash        = SHA-256 of "<prevHash>:<revision>:<contentHash>", which
 *                 PostgreSQL computes with sha256() under the stream's lock.
 * Stream name and revision are covered, so an event cannot be moved or
 * replayed elsewhere without breaking the chain. Store positions are not:
 * they are assigned after the hash is fixed.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface HashableEvent {
  readonly streamName: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export function contentHash(
  event: Omit<HashableEvent, 'revision' | 'metadata'> & { metadata: object },
): string {
  return encodeForChain(event).contentHash;
}

/** An event's canonical parts, computed once: its content hash, and its data and metadata as JSON. */
export interface ChainEncoding {
  readonly contentHash: string;
  /** RFC 8785 JSON of `data` (valid JSON a store can take as is). */
  readonly data: string;
  /** RFC 8785 JSON of the metadata without `prevHash`. */
  readonly metadata: string;
}

/**
 * The canonical form behind `contentHash`, built from its parts so that a
 * writer serialises data and metadata once and reuses the same text for the
 * store's payload. The object's keys in RFC 8785 order are data, id,
 * metadata, schemaVersion, streamName, type: the result is byte for byte
 * canonicalJson of the whole object (hash-chain.unit.test.ts checks it).
 */
export function encodeForChain(
  event: Omit<HashableEvent, 'revision' | 'metadata'> & { metadata: object },
): ChainEncoding {
  const { prevHash: _omitted, ...rest } = event.metadata as { prevHash?: string };
  const data = canonicalJson(event.data);
  const metadata = canonicalJson(rest);
  const canonical =
    `{"data":${data},"id":${JSON.stringify(event.id)},"metadata":${metadata},` +
    `"schemaVersion":${canonicalJson(event.schemaVersion)},"streamName":${JSON.stringify(event.streamName)},` +
    `"type":${JSON.stringify(event.type)}}`;
  return { contentHash: createHash('sha256').update(canonical).digest('hex'), data, metadata };
}

export function linkHash(prevHash: string, revision: number, content: string): string {
  return createHash('sha256').update(`${prevHash}:${revision}:${content}`).digest('hex');
}

export function hashEvent(event: HashableEvent): string {
  return linkHash(event.metadata.prevHash, event.revision, contentHash(event));
}

export type ChainProblem =
  | 'hash_mismatch' // the stored hash is not the hash of the stored event: the event was edited
  | 'prev_hash_mismatch' // prevHash does not name the previous event: an event was edited, removed or inserted
  | 'revision_gap'; // revisions are not consecutive from 0

export interface ChainBreak {
  readonly streamName: string;
  readonly revision: number;
  readonly eventId: string;
  readonly problem: ChainProblem;
  readonly expected: string;
  readonly actual: string;
}

/**
 * Walks one stream's events (in revision order, from revision 0 or from a
 * trusted `previous` link) and returns the first broken link, or null.
 */
export class StreamChainVerifier {
  private expectedRevision: number;
  private expectedPrevHash: string;

  constructor(start: { revision: number; prevHash: string } = { revision: 0, prevHash: GENESIS_HASH }) {
    this.expectedRevision = start.revision;
    this.expectedPrevHash = start.prevHash;
  }

  check(event: HashableEvent & { readonly hash: string }): ChainBreak | null {
    const at = { streamName: event.streamName, revision: event.revision, eventId: event.id };
    if (event.revision !== this.expectedRevision) {
      return {
        ...at,
        problem: 'revision_gap',
        expected: String(this.expectedRevision),
        actual: String(event.revision),
      };
    }
    if (event.metadata.prevHash !== this.expectedPrevHash) {
      return {
        ...at,
        problem: 'prev_hash_mismatch',
        expected: this.expectedPrevHash,
        actual: event.metadata.prevHash,
      };
    }
    const recomputed = hashEvent(event);
    if (recomputed !== event.hash) {
      return { ...at, problem: 'hash_mismatch', expected: recomputed, actual: event.hash };
    }
    this.expectedRevision += 1;
    this.expectedPrevHash = recomputed;
    return null;
  }
}
