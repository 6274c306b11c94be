/**
 * The buffer between a push-based ESDB subscription (which is replaced on
 * every reconnect) and the pull-based async iterator the port hands out.
 * It survives reconnects, so the consumer sees one uninterrupted sequence.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void }[] = [];
  private finished = false;
  private producerPaused = false;
  private failure: { error: unknown } | undefined;

  /**
   * @param onDrained called when the consumer has taken a full queue (one that reached
   *   `highWaterMark`) down to half of it: the producer paused then, and may resume now
   * @param onReturn called when the consumer stops iterating early (`break`)
   */
  constructor(
    private readonly highWaterMark: number,
    private readonly onDrained: () => void = () => {},
    private readonly onReturn: () => void = () => {},
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** False while the producer should stay paused (the queue filled up and has not drained yet). */
  get wantsMore(): boolean {
    return !this.producerPaused;
  }

  get closed(): boolean {
    return this.finished || this.failure !== undefined;
  }

  /** Like `Writable.write`: false when the producer should pause until onDrained. */
  push(item: T): boolean {
    if (this.closed) return true;
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.items.push(item);
    if (this.items.length >= this.highWaterMark) this.producerPaused = true;
    return !this.producerPaused;
  }

  /** Ends the sequence; with `discard`, items not yet taken are dropped. */
  end(discard = false): void {
    if (this.closed) return;
    this.finished = true;
    if (discard) this.items.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
  }

  /** Ends the sequence with an error, thrown after the items already queued. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      if (this.producerPaused && this.items.length <= this.highWaterMark / 2) {
        this.producerPaused = false;
        this.onDrained();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.end(true);
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
