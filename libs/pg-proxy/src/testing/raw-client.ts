/** A client that speaks raw bytes, for the tests no driver would send. */
import { connect, type Socket } from 'node:net';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { decodeNoticeFields } from '../protocol/backend-decoders.js';
import { frontend } from '../protocol/index.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';

export interface RawExchange {
  /** Every byte the proxy sent. */
  readonly bytes: Buffer;
  /** Type letters of the backend frames, in order (e.g. `R`, `S`, `K`, `Z`, `E`). */
  readonly types: string[];
  /** SQLSTATEs of the ErrorResponses. */
  readonly errors: string[];
  /** Severities of the ErrorResponses (ERROR, FATAL), in the same order. */
  readonly severities: string[];
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

/** A session held open over raw bytes: everything the proxy sends is kept, frame by frame. */
export interface RawSession {
  readonly socket: Socket;
  /** Resolves at the first ReadyForQuery (the proxy let the client in). */
  readonly ready: Promise<void>;
  /** Resolves once the proxy closed the connection, with all it sent. */
  readonly closed: Promise<RawExchange>;
}

/** Startup with `parameters`, the token as the password when asked, then whatever the test writes. */
export function rawSession(port: number, parameters: Record<string, string>, token: string): RawSession {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  const reader = new BackendFrameReader();
  let passwordSent = false;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    reader.read(chunk, (frame) => {
      if (isProtocolViolation(frame)) return false;
      // 'R' AuthenticationCleartextPassword (3): the proxy wants the token.
      if (frame.code === 0x52 && frame.frame.readInt32BE(5) === 3 && !passwordSent) {
        passwordSent = true;
        socket.write(frontend.passwordMessage(token));
      }
      if (frame.code === 0x5a) onReady();
      return true;
    });
  });
  socket.on('connect', () => socket.write(frontend.startupMessage(parameters)));
  const closed = new Promise<RawExchange>((resolve) =>
    socket.on('close', () => resolve(summarize(Buffer.concat(chunks), true))),
  );
  return { socket, ready, closed };
}

function summarize(bytes: Buffer, closed: boolean): RawExchange {
  const types: string[] = [];
  const errors: string[] = [];
  const severities: string[] = [];
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
      if (!isProtocolViolation(fields)) {
        errors.push(fields.C ?? '');
        severities.push(fields.V ?? fields.S ?? '');
      }
    }
    return true;
  });
  return { bytes, types, errors, severities, closed };
}

export const startup = (database: string): Buffer => frontend.startupMessage({ user: 'agent', database });
export const password = (token: string): Buffer => frontend.passwordMessage(token);
export const query = (sql: string): Buffer => frontend.query(sql);
