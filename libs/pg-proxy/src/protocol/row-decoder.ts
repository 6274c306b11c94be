/**
 * Column access for result rows, for masking: RowDescription says what each
 * column is, DataRow values come back as views into the frame (no copies), so
 * a masker reads only the columns it must rewrite and passes the frame on
 * untouched when nothing matches.
 */
import { BufferReader } from './buffer-reader.js';
import { BackendCode, TYPED_HEADER_LENGTH } from './message-codes.js';
import { type RowField } from './backend-messages.js';
import { decoding, MalformedBody, type ProtocolViolation } from './protocol-violation.js';

// Decoding is synchronous, so one cursor serves every call.
const reader = new BufferReader();

export function decodeRowDescription(frame: Buffer): RowField[] | ProtocolViolation {
  return decoding(() => {
    if (frame[0] !== BackendCode.RowDescription) throw new MalformedBody('expected RowDescription');
    const body = reader.reset(frame, TYPED_HEADER_LENGTH, frame.length);
    const count = body.count16('field');
    const fields = new Array<RowField>(count);
    for (let i = 0; i < count; i++) {
      const name = body.cstring();
      const tableOid = body.uint32();
      const columnNumber = body.int16();
      const typeOid = body.uint32();
      const typeSize = body.int16();
      const typeModifier = body.int32();
      const format = body.int16();
      if (format !== 0 && format !== 1) throw new MalformedBody(`unknown format code ${format}`);
      fields[i] = { name, tableOid, columnNumber, typeOid, typeSize, typeModifier, format };
    }
    body.expectEnd();
    return fields;
  });
}

/** Column values of a DataRow as views into the frame; null is SQL NULL. */
export function decodeDataRow(frame: Buffer): (Buffer | null)[] | ProtocolViolation {
  return decoding(() => {
    if (frame[0] !== BackendCode.DataRow) throw new MalformedBody('expected DataRow');
    const body = reader.reset(frame, TYPED_HEADER_LENGTH, frame.length);
    const count = body.count16('column');
    const values = new Array<Buffer | null>(count);
    for (let i = 0; i < count; i++) values[i] = body.nullableBytes();
    body.expectEnd();
    return values;
  });
}

/**
 * Where each value of a DataRow lies, with no view per value (the masker
 * rewrites a few columns of every row and copies the rest as byte ranges):
 * `prefixAt[i]` is the offset of column i's int32 length, `lengths[i]` the
 * value's length, -1 for NULL. Returns the row's column count; when it is not
 * `prefixAt.length` nothing past the count is read (the caller refuses a row
 * that does not match its RowDescription).
 */
export function locateDataRow(
  frame: Buffer,
  prefixAt: Int32Array,
  lengths: Int32Array,
): number | ProtocolViolation {
  return decoding(() => {
    if (frame[0] !== BackendCode.DataRow) throw new MalformedBody('expected DataRow');
    const body = reader.reset(frame, TYPED_HEADER_LENGTH, frame.length);
    const count = body.count16('column');
    if (count !== prefixAt.length) return count;
    for (let i = 0; i < count; i++) {
      prefixAt[i] = body.position;
      const length = body.int32();
      lengths[i] = length;
      if (length !== -1) body.skip(length);
    }
    body.expectEnd();
    return count;
  });
}
