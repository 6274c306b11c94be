import { ErrorCode, PortcullisError } from '@portcullis/events';
import { CODE_LENGTH, LENGTH_LENGTH } from './message-codes.js';

/** Room for the type byte and length, filled in when the frame is finished. */
const HEADER_RESERVE = CODE_LENGTH + LENGTH_LENGTH;
const INITIAL_SIZE = 256;

/**
 * Builds one frame at a time. `frame()` hands the finished bytes to the
 * caller and starts the next frame in a fresh buffer: the returned frame is
 * usually queued on a socket, so writing over it later would corrupt output.
 */
export class BufferWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  private offset = HEADER_RESERVE;

  int16(value: number): this {
    this.ensure(2);
    this.offset = this.buffer.writeInt16BE(value, this.offset);
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
    return this;
  }

  byte(value: number): this {
    this.ensure(1);
    this.buffer[this.offset++] = value;
    return this;
  }

  /**
   * A NUL-terminated string. A NUL inside the value would end the string early
   * and shift every later field, letting text we relay re-frame the message,
   * so it is refused.
   */
  cstring(value: string): this {
    if (value.includes('\0')) {
      // Drop the half-built frame so a shared writer does not leak it into the next one.
      this.offset = HEADER_RESERVE;
      throw new PortcullisError(ErrorCode.Internal, 'a protocol string may not contain NUL');
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length + 1);
    this.buffer.write(value, this.offset, 'utf8');
    this.offset += length;
    this.buffer[this.offset++] = 0;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** A typed frame: type byte, int32 length (itself plus body), body. */
  frame(code: number): Buffer {
    this.buffer[0] = code;
    this.buffer.writeInt32BE(this.offset - CODE_LENGTH, CODE_LENGTH);
    return this.finish(0);
  }

  /** A startup-phase packet: int32 length (itself plus body), body; no type byte. */
  untypedFrame(): Buffer {
    this.buffer.writeInt32BE(this.offset - CODE_LENGTH, CODE_LENGTH);
    return this.finish(CODE_LENGTH);
  }

  private finish(start: number): Buffer {
    const frame = this.buffer.subarray(start, this.offset);
    this.buffer = Buffer.allocUnsafe(INITIAL_SIZE);
    this.offset = HEADER_RESERVE;
    return frame;
  }

  private ensure(extra: number): void {
    if (this.offset + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.offset + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}
