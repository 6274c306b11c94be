import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { FrontendParser } from '../protocol/frontend-parser.js';
import type { FrontendParseResult } from '../protocol/messages.js';

/** Parsed messages held before the client socket is paused (backpressure on a pipelining client). */
const HIGH_WATER_MESSAGES = 256;
/**
 * Before authentication an honest client sends one message at a time (the
 * password, then it waits for us); a few pipelined ones are tolerated, more
 * wait in the kernel rather than in our memory.
 */
const HIGH_WATER_BEFORE_AUTHENTICATION = 4;

/**
 * The client side of one connection as a queue of parsed messages. The
 * parser is synchronous and the proxy's steps are not (token checks,
 * decisions, write-ahead appends), so messages wait here, in order, until
 * the handler asks for the next one. Frames stay views of the socket's
 * chunks (Node allocates a fresh buffer per chunk, so they stay valid).
 */
export class ClientChannel {
  private readonly parser = new FrontendParser({ capUntilAuthenticated: true });
  private highWater = HIGH_WATER_BEFORE_AUTHENTICATION;
  private readonly queue: FrontendParseResult[] = [];
  private waiter: ((message: FrontendParseResult | null) => void) | undefined;
  private ended = false;
  private readonly endListeners = new Set<() => void>();
  bytesFromClient = 0;
  bytesToClient = 0;
  /** Depth of `cork` calls; while above zero, writes are gathered (see `write`). */
  private corks = 0;
  /** Corked writes that lie next to each other in one buffer, not yet handed to the socket. */
  private run: { buffer: ArrayBufferLike; start: number; end: number } | undefined;

  /** The accepted socket, or the TLS socket wrapping it once the client asked for TLS. */
  private current: Socket;
  private readonly address: string;

  /** `onAuthenticated`: the connection stops counting against the listener's unauthenticated caps. */
  constructor(
    socket: Socket,
    private readonly onAuthenticated: () => void = () => undefined,
  ) {
    this.current = socket;
    this.address = socket.remoteAddress ?? 'unknown';
    this.listen(socket);
  }

  get socket(): Socket {
    return this.current;
  }

  get remoteAddress(): string {
    return this.address;
  }

  /** True once the connection runs over TLS. */
  get encrypted(): boolean {
    return this.current instanceof TLSSocket;
  }

  /**
   * The client's SSLRequest was answered S: the rest of the connection is
   * TLS. Resolves when the handshake is done; rejects if it fails or the
   * client leaves (the caller's startup deadline bounds how long it may take).
   */
  startTls(secureContext: SecureContext): Promise<void> {
    // Bytes received after the SSLRequest and before the handshake were not
    // protected by it (CVE-2021-23214): refuse rather than read them as if they were.
    if (this.queue.length > 0 || this.parser.holdsPartialFrame) {
      return Promise.reject(new Error('unencrypted data after the SSLRequest'));
    }
    const raw = this.current;
    raw.off('data', this.onData).off('end', this.onEnd).off('close', this.onEnd).off('error', this.onEnd);
    raw.on('error', () => undefined); // reported through the TLS socket
    const secure = new TLSSocket(raw, {
      isServer: true,
      secureContext,
      // PostgreSQL 17's protocol name; clients that offer ALPN expect it.
      ALPNProtocols: ['postgresql'],
    });
    this.current = secure;
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        secure.off('secure', onSecure).off('error', onError).off('close', onClose);
        this.listen(secure);
        if (error) {
          this.onEnd();
          reject(error);
        } else resolve();
      };
      const onSecure = () => settle();
      const onError = (error: Error) => settle(new Error(`TLS handshake failed: ${error.message}`));
      const onClose = () => settle(new Error('the client left during the TLS handshake'));
      secure.once('secure', onSecure).once('error', onError).once('close', onClose);
    });
  }

  private listen(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onEnd);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.bytesFromClient += chunk.length;
    this.parser.parse(chunk, (message) => this.push(message));
    if (this.queue.length >= this.highWater) this.current.pause();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
    for (const listener of this.endListeners) listener();
    this.endListeners.clear();
  };

  /** True once the client socket is gone (or we ended it). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Calls `listener` once the client socket is gone; returns the unsubscribe. */
  onGone(listener: () => void): () => void {
    if (this.socket.destroyed) {
      listener();
      return () => undefined;
    }
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** The token was verified: full-size messages and a deeper queue from now on. */
  authenticated(): void {
    this.parser.authenticated();
    this.highWater = HIGH_WATER_MESSAGES;
    this.onAuthenticated();
  }

  /** The next message or violation, in order; null once the client is gone and the queue is empty. */
  next(): Promise<FrontendParseResult | null> {
    const message = this.queue.shift();
    if (message !== undefined) {
      if (this.queue.length < this.highWater / 2 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(message);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /**
   * Writes to the client; false when its buffer is full (the caller may wait
   * for 'drain'). While corked, a write that continues the previous one in
   * memory (the next frame of the same server chunk, relayed untouched)
   * joins it: a chunk of 600 DataRows leaves as one slice, not 600 buffers
   * for the socket to queue and gather. The bytes are the same either way.
   */
  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return true;
    this.bytesToClient += bytes.length;
    if (this.corks === 0) return this.socket.write(bytes);
    if (this.run && bytes.buffer === this.run.buffer && bytes.byteOffset === this.run.end) {
      this.run.end += bytes.length;
      return true;
    }
    const room = this.flushRun();
    this.run = { buffer: bytes.buffer, start: bytes.byteOffset, end: bytes.byteOffset + bytes.length };
    return room;
  }

  /** Holds writes until `uncork` (nested calls count); they leave in one system call. */
  cork(): void {
    if (this.corks++ === 0) this.socket.cork();
  }

  /** Ends a `cork`; the outermost sends what was held. False when the client's buffer is full. */
  uncork(): boolean {
    if (this.corks === 0) return !this.socket.writableNeedDrain;
    if (--this.corks > 0) return true;
    this.flushRun();
    this.socket.uncork();
    return !this.socket.writableNeedDrain;
  }

  private flushRun(): boolean {
    const run = this.run;
    if (!run) return true;
    this.run = undefined;
    if (this.socket.destroyed || !this.socket.writable) return true;
    return this.socket.write(Buffer.from(run.buffer, run.start, run.end - run.start));
  }

  /** Sends the last bytes (an ErrorResponse) and closes; queued messages are dropped. */
  end(last?: Buffer): void {
    this.flushRun();
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
