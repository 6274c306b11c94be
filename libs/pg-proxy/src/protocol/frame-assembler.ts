import { TYPED_HEADER_LENGTH } from './message-codes.js';
import { type ProtocolViolation } from './protocol-violation.js';

/** How one side of the protocol frames its bytes; asked afresh for every frame. */
export interface Framing {
  /** Bytes needed before the frame's length is known. */
  readonly headerLength: number;
  /** The whole frame's length from a complete header, or why the frame is refused. */
  frameLength(bytes: Buffer, offset: number): number | ProtocolViolation;
}

/** Return false to stop at this frame: the rest of the chunk is left unconsumed. */
export type FrameSink = (frame: Buffer) => boolean;

/**
 * Cuts a byte stream into frames. Frames that lie inside one chunk are handed
 * out as `subarray` views of that chunk, never copied (Node gives every socket
 * read a fresh buffer, so the views stay valid). Only a frame split across
 * chunks is copied, once, when its last byte arrives.
 */
export class FrameAssembler {
  /** A header split across chunks; headers are tiny, so a fixed scratch buffer holds them. */
  private readonly header = Buffer.allocUnsafe(TYPED_HEADER_LENGTH);
  private headerFilled = 0;
  /**
   * The pieces of a frame split across chunks, kept as views until complete.
   * Collecting pieces (rather than allocating the declared length up front)
   * makes memory follow the bytes a peer really sent, not what a length field
   * claims.
   */
  private pieces: Buffer[] = [];
  private piecesLength = 0;
  private expectedLength = 0;

  constructor(private readonly framing: Framing) {}

  /** True while part of a frame is held back waiting for more bytes. */
  get holdsPartialFrame(): boolean {
    return this.headerFilled > 0 || this.expectedLength > 0;
  }

  /**
   * Feeds one chunk; returns how many of its bytes were consumed (all of them
   * unless the sink stopped or the framing refused a header).
   */
  push(chunk: Buffer, sink: FrameSink, refuse: (violation: ProtocolViolation) => void): number {
    let offset = 0;
    if (this.headerFilled > 0) {
      const headerLength = this.framing.headerLength;
      const take = Math.min(headerLength - this.headerFilled, chunk.length);
      chunk.copy(this.header, this.headerFilled, 0, take);
      this.headerFilled += take;
      offset = take;
      if (this.headerFilled < headerLength) return offset;
      const length = this.framing.frameLength(this.header, 0);
      if (typeof length !== 'number') {
        refuse(length);
        return offset;
      }
      // The header has been copied already; it becomes the first piece.
      this.startPieces(Buffer.from(this.header.subarray(0, headerLength)), length);
      this.headerFilled = 0;
    }
    if (this.expectedLength > 0) {
      const take = Math.min(this.expectedLength - this.piecesLength, chunk.length - offset);
      if (take > 0) {
        this.pieces.push(chunk.subarray(offset, offset + take));
        this.piecesLength += take;
        offset += take;
      }
      if (this.piecesLength < this.expectedLength) return offset;
      const frame = Buffer.concat(this.pieces, this.expectedLength);
      this.pieces = [];
      this.piecesLength = 0;
      this.expectedLength = 0;
      if (!sink(frame)) return offset;
    }
    while (offset < chunk.length) {
      const available = chunk.length - offset;
      if (available < this.framing.headerLength) {
        chunk.copy(this.header, 0, offset);
        this.headerFilled = available;
        return chunk.length;
      }
      const length = this.framing.frameLength(chunk, offset);
      if (typeof length !== 'number') {
        refuse(length);
        return offset;
      }
      if (length > available) {
        this.startPieces(chunk.subarray(offset), length);
        return chunk.length;
      }
      const frame = chunk.subarray(offset, offset + length);
      offset += length;
      if (!sink(frame)) return offset;
    }
    return offset;
  }

  private startPieces(first: Buffer, expectedLength: number): void {
    this.pieces = [first];
    this.piecesLength = first.length;
    this.expectedLength = expectedLength;
  }
}
