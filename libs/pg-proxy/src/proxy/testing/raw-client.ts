/** A client that speaks raw bytes, for the tests no driver would send. */
import { connect } from 'node:net';
import { BackendFrameReader } from '../../protocol/backend-frame-reader.js';
import { decodeNoticeFields } from '../../protocol/backend-decoders.js';
import { frontend } from '../../protocol/index.js';
import { isProtocolViolation } from '../../protocol/protocol-violation.js';

export interface RawExchange {
  /** Every byte the proxy sent. */
  readonly bytes: Buffer;
  /** Type letters of the backend frames, in order (e.g. `R`, `S`, `K`, `Z`, `E`). */
  readonly types: string[];
  /** SQLSTATEs of the ErrorResponses. */
  readonly errors: string[];
  /** True when the proxy closed the connection. */
  readonly closed: boolean;
}

/**
 * Sends `steps` in order (each after the previous one was written, with a
 * pause so they arrive as separate chunks), then waits until the proxy
 * closes or `waitMs` passes without it doing so.
 */
export function rawExchange(port: number, steps: readonly Buffer[], waitMs = 1500): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(summarize(Buffer.concat(chunks), closed));
    };
    socket.on('close', () => {
      closed = true;
      finish();
    });
    const timer = setTimeout(finish, waitMs);
    socket.on('connect', async () => {
      for (const step of steps) {
        if (socket.destroyed) return;
        socket.write(step);
        await new Promise((r) => setTimeout(r, 30));
      }
    });
  });
}

function summarize(bytes: Buffer, closed: boolean): RawExchange {
  const types: string[] = [];
  const errors: string[] = [];
  // A lone 'N' answers an encryption request; it is not a typed frame.
  let offset = 0;
  while (
    bytes[offset] === 0x4e &&
    bytes.length - offset >= 1 &&
    (bytes.length - offset === 1 || bytes[offset + 1] !== 0)
  ) {
    types.push('N(ssl)');
    offset += 1;
  }
  new BackendFrameReader().read(bytes.subarray(offset), (frame) => {
    if (isProtocolViolation(frame)) return false;
    types.push(String.fromCharCode(frame.code));
    if (frame.code === 0x45) {
      const fields = decodeNoticeFields(frame.frame);
      if (!isProtocolViolation(fields)) errors.push(fields.C ?? '');
    }
    return true;
  });
  return { bytes, types, errors, closed };
}

export const startup = (database: string): Buffer => frontend.startupMessage({ user: 'agent', database });
export const password = (token: string): Buffer => frontend.passwordMessage(token);
export const query = (sql: string): Buffer => frontend.query(sql);
