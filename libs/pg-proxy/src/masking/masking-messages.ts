import { BufferWriter } from '../protocol/buffer-writer.js';
import { FrontendCode } from '../protocol/message-codes.js';

/** 'P': Describe of a portal. */
const PORTAL = 0x50;

/**
 * The client's Bind with its result format codes replaced by "all text".
 * Result formats are the last field of a Bind (int16 count, count × int16),
 * so the frame is cut there and the length fixed; parameters stay as sent.
 * Masking and detectors work on text, and the client learns the format of
 * each column from RowDescription (node-postgres, pgjdbc decode by it).
 */
export function bindWithTextResults(frame: Buffer, resultFormatCount: number): Buffer {
  const keep = frame.length - 2 * resultFormatCount;
  const out = Buffer.allocUnsafe(keep);
  frame.copy(out, 0, 0, keep - 2);
  out.writeInt16BE(0, keep - 2);
  out.writeInt32BE(keep - 1, 1);
  return out;
}

/** Describe(portal): the proxy asks for the row layout of a portal it must mask. */
export function describePortal(name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const frame = Buffer.alloc(1 + 4 + 1 + nameBytes.length + 1);
  frame[0] = FrontendCode.Describe;
  frame.writeInt32BE(frame.length - 1, 1);
  frame[5] = PORTAL;
  nameBytes.copy(frame, 6);
  return frame;
}

/** The statement name of the proxy's own Describe of a COPY's source query (never a client's: clients cannot see it). */
export const COPY_LAYOUT_STATEMENT = 'portcullis_copy_layout';
const STATEMENT = 0x53; // 'S'
const layoutWriter = new BufferWriter();

/**
 * Parse + Describe(statement) + Close of each query, then Sync: the server
 * analyses the queries (it runs none of them) and answers their row layout,
 * on the client's own session so names resolve as the COPY will resolve them.
 */
export function describeStatements(queries: readonly string[]): Buffer {
  const frames: Buffer[] = [];
  for (const sql of queries) {
    frames.push(
      layoutWriter.cstring(COPY_LAYOUT_STATEMENT).cstring(sql).int16(0).frame(FrontendCode.Parse),
      layoutWriter.byte(STATEMENT).cstring(COPY_LAYOUT_STATEMENT).frame(FrontendCode.Describe),
      layoutWriter.byte(STATEMENT).cstring(COPY_LAYOUT_STATEMENT).frame(FrontendCode.Close),
    );
  }
  frames.push(layoutWriter.frame(FrontendCode.Sync));
  return Buffer.concat(frames);
}

/** CopyOutResponse: overall format (0 text, 1 binary) and the number of columns. */
export function decodeCopyOutResponse(frame: Buffer): { binary: boolean; columns: number } | null {
  // 'H', int32 length, int8 format, int16 columns, int16 × columns formats.
  if (frame.length < 8) return null;
  const columns = frame.readInt16BE(6);
  if (columns < 0 || frame.length !== 8 + 2 * columns) return null;
  return { binary: frame[5] !== 0, columns };
}
