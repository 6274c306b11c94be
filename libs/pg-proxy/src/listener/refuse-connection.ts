import type { Socket } from 'node:net';
import { backend } from '../protocol/index.js';
import { SqlState } from '../connection/session-refusal.js';

/** SSLRequest and GSSENCRequest: int32 length 8, then these codes. */
const ENCRYPTION_REQUEST_CODES = new Set([80877103, 80877104]);
/** A refused client that sent nothing by then gets its refusal anyway. */
const SILENT_CLIENT_MS = 200;
/** A refused client gets this long to read its refusal; it holds nothing of ours meanwhile. */
const REFUSAL_LINGER_MS = 1_000;

/**
 * A connection over the listener's caps: FATAL 53300, as PostgreSQL answers
 * past max_connections. libpq no longer shows an error sent in answer to its
 * SSLRequest ("server sent an error response during SSL exchange"), so an
 * encryption request is declined with N first and the refusal answers the
 * startup message, as PostgreSQL itself does. Nothing the client sends is
 * parsed beyond those 8 bytes; no credential comes before the refusal.
 */
export function refuseConnection(socket: Socket, message: string): void {
  const refusal = backend.errorResponse({ severity: 'FATAL', code: SqlState.TooManyConnections, message });
  let declined = false;
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    socket.off('data', onData);
    socket.end(refusal);
  };
  const onData = (chunk: Buffer) => {
    if (!declined && isEncryptionRequest(chunk)) {
      declined = true;
      socket.write('N');
    } else answer();
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
  // A client that says nothing is told anyway; one that does not read is cut.
  setTimeout(answer, SILENT_CLIENT_MS).unref();
  setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
}

function isEncryptionRequest(chunk: Buffer): boolean {
  return (
    chunk.length === 8 && chunk.readInt32BE(0) === 8 && ENCRYPTION_REQUEST_CODES.has(chunk.readInt32BE(4))
  );
}
