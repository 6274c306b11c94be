import { type Duplex } from 'node:stream';
import { BackendFrameReader } from '../protocol/backend-frame-reader.js';
import { BackendCode } from '../protocol/message-codes.js';
import { type BackendFrame } from '../protocol/messages.js';
import { isProtocolViolation } from '../protocol/protocol-violation.js';
import { UpstreamConnectionError } from './upstream-errors.js';

/**
 * Pull-style access to a server's frames during the connection's startup,
 * so the authentication exchange reads as straight-line code with `await`.
 * It stops at the first ReadyForQuery, the end of startup: bytes after it
 * are put back on the socket (`unshift`) for whoever relays the session, and
 * the socket is left paused so nothing is lost before they attach.
 */
export class BackendFrameChannel {
  private readonly reader: BackendFrameReader;
  private readonly queue: BackendFrame[] = [];
  private waiter: { resolve: (frame: BackendFrame) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private rest: Buffer | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly socket: Duplex,
    options: { timeoutMs: number; maxMessageSize?: number },
  ) {
    this.reader = new BackendFrameReader({ maxMessageSize: options.maxMessageSize });
    this.timer = setTimeout(
      () => this.fail(new UpstreamConnectionError(`no ReadyForQuery within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.resume();
  }

  write(frame: Buffer): void {
    this.socket.write(frame);
  }

  next(): Promise<BackendFrame> {
    const frame = this.queue.shift();
    if (frame) return Promise.resolve(frame);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Detaches from the socket, leaving it paused with any bytes after ReadyForQuery unread. */
  release(): Duplex {
    this.detach();
    if (this.rest) this.socket.unshift(this.rest);
    this.rest = undefined;
    return this.socket;
  }

  /** Detaches and destroys the socket: a connection that failed startup is of no use to anyone. */
  abandon(): void {
    this.detach();
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    let ready = false;
    const consumed = this.reader.read(chunk, (result) => {
      if (isProtocolViolation(result)) {
        this.fail(new UpstreamConnectionError('the server broke the protocol', { cause: result }));
        return false;
      }
      this.queue.push(result);
      ready = result.code === BackendCode.ReadyForQuery;
      return !ready;
    });
    if (ready) {
      // Pause before returning from this handler: a flowing socket would emit the next chunk to nobody.
      this.socket.pause();
      this.socket.off('data', this.onData);
      if (consumed < chunk.length) this.rest = chunk.subarray(consumed);
    }
    this.deliver();
  };

  private readonly onError = (error: Error): void => {
    this.fail(new UpstreamConnectionError(error.message, { cause: error }));
  };

  private readonly onClose = (): void => {
    this.fail(new UpstreamConnectionError('the server closed the connection during startup'));
  };

  private deliver(): void {
    if (!this.waiter) return;
    const frame = this.queue.shift();
    if (frame) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(frame);
    } else if (this.failure) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(this.failure);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }

  private detach(): void {
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
  }
}
