import { createHash } from 'node:crypto';
import { endianness } from 'node:os';

/** Bytes of the digest: 1024 16-bit lanes (LtHash16, Bellare-Micciancio / Lewi et al.). */
const DIGEST_BYTES = 2048;
export const HEADS_DIGEST_ALGORITHM = 'lthash16-shake256';

export interface StreamHead {
  readonly streamName: string;
  readonly revision: number;
  readonly hash: string;
}

/**
 * A multiset hash of every stream's head, updated in constant time as events
 * pass: lane-wise addition modulo 2^16 of SHAKE256(head) for each head. A
 * stream moving from revision r-1 to r subtracts its old head and adds the
 * new one, and the old head is in the event itself (revision - 1, prevHash),
 * so the gateway keeps no map of heads: it folds `$all` in order and its
 * memory does not grow with the number of streams. The same fold over a
 * store that lost, changed or gained an event anywhere up to a position
 * ends in a different digest (finding a collision is a lattice problem;
 * 1024 lanes of 16 bits give about 200 bits of security).
 */
export class HeadsDigest {
  private readonly lanes: Uint16Array;
  streams: number;
  events: number;

  private constructor(lanes: Uint16Array, streams: number, events: number) {
    this.lanes = lanes;
    this.streams = streams;
    this.events = events;
  }

  static empty(): HeadsDigest {
    return new HeadsDigest(new Uint16Array(DIGEST_BYTES / 2), 0, 0);
  }

  /** Resumes from an anchor's `headsDigest`, `streams` and `events`. */
  static restore(base64: string, streams: number, events: number): HeadsDigest {
    const bytes = Buffer.from(base64, 'base64');
    if (bytes.length !== DIGEST_BYTES)
      throw new Error(`a heads digest has ${DIGEST_BYTES} bytes, not ${bytes.length}`);
    return new HeadsDigest(Uint16Array.from(lanesOf(bytes)), streams, events);
  }

  /** A stream's head moved: from `previous` (undefined for a new stream) to `next`. */
  move(previous: StreamHead | undefined, next: StreamHead): void {
    if (previous) this.combine(previous, -1);
    else this.streams += 1;
    this.combine(next, 1);
    this.events += next.revision - (previous?.revision ?? -1);
  }

  /** An event moves its stream's head from (revision - 1, prevHash) — nothing, at revision 0 — to (revision, hash). */
  advance(streamName: string, revision: number, hash: string, prevHash: string): void {
    this.move(revision > 0 ? { streamName, revision: revision - 1, hash: prevHash } : undefined, {
      streamName,
      revision,
      hash,
    });
  }

  /** A stream is gone (the verifier's view of a stream it no longer finds). */
  remove(head: StreamHead): void {
    this.combine(head, -1);
    this.streams -= 1;
    this.events -= head.revision + 1;
  }

  toBase64(): string {
    const bytes = Buffer.alloc(DIGEST_BYTES);
    for (let i = 0; i < this.lanes.length; i++) bytes.writeUInt16LE(this.lanes[i]!, i * 2);
    return bytes.toString('base64');
  }

  private combine(head: StreamHead, sign: 1 | -1): void {
    const element = lanesOf(
      createHash('shake256', { outputLength: DIGEST_BYTES })
        .update(JSON.stringify([head.streamName, head.revision, head.hash]))
        .digest(),
    );
    const lanes = this.lanes;
    // Uint16Array stores modulo 2^16.
    if (sign === 1) for (let i = 0; i < lanes.length; i++) lanes[i]! += element[i]!;
    else for (let i = 0; i < lanes.length; i++) lanes[i]! -= element[i]!;
  }
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** The digest's bytes as little-endian 16-bit lanes: a view where the platform allows, else a copy. */
function lanesOf(bytes: Buffer): Uint16Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
    return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  }
  const lanes = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < lanes.length; i++) lanes[i] = bytes.readUInt16LE(i * 2);
  return lanes;
}
