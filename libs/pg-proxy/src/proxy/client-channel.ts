import type { Socket } from 'node:net';
import { FrontendParser } from '../protocol/frontend-parser.js';
import type { FrontendParseResult } from '../protocol/messages.js';

/** Parsed messages held before the client socket is paused (backpressure on a pipelining client). */
const HIGH_WATER_MESSAGES = 256;

/**
 * The client side of one connection as a queue of parsed messages. The
 * parser is synchronous and the proxy's steps are not (token checks,
 * decisions, write-ahead appends), so messages wait here, in order, until
 * the handler asks for the next one. Frames stay views of the socket's
 * chunks (Node allocates a fresh buffer per chunk, so they stay valid).
 */
export class ClientChannel {
  private readonly parser = new FrontendParser();
  private readonly queue: FrontendParseResult[] = [];
  private waiter: ((message: FrontendParseResult | null) => void) | undefined;
  private ended = false;
  bytesFromClient = 0;
  bytesToClient = 0;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.bytesFromClient += chunk.length;
      this.parser.parse(chunk, (message) => this.push(message));
      if (this.queue.length >= HIGH_WATER_MESSAGES) socket.pause();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? 'unknown';
  }

  /** True once the client socket is gone (or we ended it). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** The next message or violation, in order; null once the client is gone and the queue is empty. */
  next(): Promise<FrontendParseResult | null> {
    const message = this.queue.shift();
    if (message !== undefined) {
      if (this.queue.length < HIGH_WATER_MESSAGES / 2 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(message);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Writes to the client; false when its buffer is full (the caller may wait for 'drain'). */
  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return true;
    this.bytesToClient += bytes.length;
    return this.socket.write(bytes);
  }

  /** Sends the last bytes (an ErrorResponse) and closes; queued messages are dropped. */
  end(last?: Buffer): void {
    if (last && !this.socket.destroyed && this.socket.writable) this.bytesToClient += last.length;
    this.queue.length = 0;
    this.ended = true;
    if (!this.socket.destroyed) {
      if (last) this.socket.end(last);
      else this.socket.end();
    }
    // A client that does not read must not keep the socket open forever.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.wake();
  }

  destroy(): void {
    this.queue.length = 0;
    this.ended = true;
    this.socket.destroy();
    this.wake();
  }

  private push(message: FrontendParseResult): void {
    if (this.ended) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(message);
    } else {
      this.queue.push(message);
    }
  }

  private wake(): void {
    if (this.waiter && this.queue.length === 0) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter(null);
    }
  }
}
