/**
 * The smallest relay built from this package: client bytes go through the
 * FrontendParser and only its frames are forwarded; server bytes go through
 * the BackendFrameReader. It decides nothing, but it proves the parsers see
 * real driver traffic exactly as the server does. Tests read `messages` to
 * check what was seen; nothing is logged.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { FrontendParser } from '../protocol/frontend-parser.js';
import { type FrontendMessage } from '../protocol/messages.js';
import { isProtocolViolation, type ProtocolViolation } from '../protocol/protocol-violation.js';

export interface PassthroughRelay extends AsyncDisposable {
  readonly port: number;
  /** Every client message forwarded, in order, per connection. */
  readonly messages: FrontendMessage[][];
  readonly violations: ProtocolViolation[];
  close(): Promise<void>;
}

export async function startPassthroughRelay(upstream: {
  host: string;
  port: number;
}): Promise<PassthroughRelay> {
  const messages: FrontendMessage[][] = [];
  const violations: ProtocolViolation[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const seen: FrontendMessage[] = [];
    messages.push(seen);
    const backend = connect(upstream.port, upstream.host);
    const parser = new FrontendParser();
    const reader = new BackendFrameReader();
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const refuse = (violation: ProtocolViolation) => {
      violations.push(violation);
      client.destroy();
      backend.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      // Cork so the frames of one chunk leave in one write, as they arrived.
      backend.cork();
      parser.parse(chunk, (message) => {
        if (isProtocolViolation(message)) return refuse(message);
        seen.push(message);
        backend.write(message.frame);
      });
      process.nextTick(() => backend.uncork());
    });
    backend.on('data', (chunk: Buffer) => {
      client.cork();
      reader.read(chunk, (frame) => {
        if (isProtocolViolation(frame)) return refuse(frame);
        client.write(frame.frame);
      });
      process.nextTick(() => client.uncork());
    });
    client.on('end', () => backend.end());
    backend.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no TCP address');
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port: address.port, messages, violations, close, [Symbol.asyncDispose]: close };
}
