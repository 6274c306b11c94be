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
