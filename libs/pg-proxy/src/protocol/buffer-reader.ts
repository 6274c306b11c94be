import { MalformedBody } from './protocol-violation.js';

/**
 * A bounds-checked cursor over one frame body. One instance per parser is
 * reused for every frame (`reset`), so decoding allocates nothing but the
 * values it returns. Byte values come back as `subarray` views into the frame,
 * never copies: the proxy forwards the frame unchanged, and a view costs no
 * memory beyond the frame it already holds.
 */
export class BufferReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private end = 0;

  reset(buffer: Buffer, start: number, end: number): this {
    this.buffer = buffer;
    this.offset = start;
    this.end = end;
    return this;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Where the cursor is in the buffer. */
  get position(): number {
    return this.offset;
  }

  byte(): number {
    this.need(1);
    return this.buffer[this.offset++]!;
  }

  int16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** A count that must be non-negative (int16 counts are signed on the wire). */
  count16(what: string): number {
    const value = this.int16();
    if (value < 0) throw new MalformedBody(`negative ${what} count ${value}`);
    return value;
  }

  /** A NUL-terminated string; the terminator must lie inside the frame. */
  cstring(): string {
    const nul = this.buffer.indexOf(0, this.offset);
    if (nul === -1 || nul >= this.end) throw new MalformedBody('string without NUL terminator');
    const value = this.buffer.toString('utf8', this.offset, nul);
    this.offset = nul + 1;
    return value;
  }

  bytes(length: number): Buffer {
    if (length < 0) throw new MalformedBody(`negative length ${length}`);
    this.need(length);
    const view = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /** Steps over `length` bytes, with the same checks as `bytes`, without making a view. */
  skip(length: number): void {
    if (length < 0) throw new MalformedBody(`negative length ${length}`);
    this.need(length);
    this.offset += length;
  }

  /** The rest of the frame as a view. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** A value of int32 length where -1 means SQL NULL (Bind parameters, DataRow columns). */
  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    return this.bytes(length);
  }

  /** PostgreSQL rejects trailing bytes (`pq_getmsgend`); so do we, so nothing hides behind a body. */
  expectEnd(): void {
    if (this.offset !== this.end) throw new MalformedBody(`${this.end - this.offset} trailing bytes`);
  }

  private need(length: number): void {
    if (this.offset + length > this.end) throw new MalformedBody('body runs past the end of the frame');
  }
}
