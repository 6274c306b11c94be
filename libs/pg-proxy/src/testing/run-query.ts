/**
 * A simple-query round trip built only from this package's pieces: the
 * Query serializer out, the backend frame reader and decoders back in.
 */
import { type Duplex } from 'node:stream';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { decodeCommandComplete, decodeNoticeFields } from '../protocol/backend-decoders.js';
import { query } from '../protocol/frontend-serializer.js';
import { decodeDataRow, decodeRowDescription } from '../protocol/row-decoder.js';
import { isProtocolViolation, type ProtocolViolation } from '../protocol/protocol-violation.js';
import { type BackendFrame } from '../protocol/messages.js';
import { type RowField } from '../protocol/backend-messages.js';

export interface QueryResult {
  fields: RowField[];
  rows: (Buffer | null)[][];
  tag: string;
}

export function runQuery(socket: Duplex, sql: string): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    const reader = new BackendFrameReader();
    const result: QueryResult = { fields: [], rows: [], tag: '' };
    let serverError: Error | undefined;
    const finish = (failure?: Error): false => {
      socket.off('data', onData);
      socket.pause();
      if (failure) reject(failure);
      else resolve(result);
      return false;
    };
    const onFrame = (frame: BackendFrame | ProtocolViolation): boolean => {
      if (isProtocolViolation(frame)) return finish(frame);
      switch (frame.code) {
        case 0x54 /* T */:
          result.fields = unwrap(decodeRowDescription(frame.frame));
          break;
        case 0x44 /* D */:
          result.rows.push(unwrap(decodeDataRow(frame.frame)));
          break;
        case 0x43 /* C */:
          result.tag = unwrap(decodeCommandComplete(frame.frame));
          break;
        case 0x45 /* E */:
          serverError = new Error(unwrap(decodeNoticeFields(frame.frame)).M);
          break;
        case 0x5a /* Z */:
          return finish(serverError);
      }
      return true;
    };
    const onData = (chunk: Buffer) => {
      try {
        reader.read(chunk, onFrame);
      } catch (error) {
        finish(error as Error);
      }
    };
    socket.on('data', onData);
    socket.resume();
    socket.write(query(sql));
  });
}

function unwrap<T>(value: T | ProtocolViolation): T {
  if (isProtocolViolation(value)) throw value;
  return value;
}
