import { Worker } from 'node:worker_threads';
import type { RecordedEvent } from '@portcullis/events';

/** Where a fold resumes: an anchor's digest and counts. */
export interface FoldStart {
  readonly headsDigest: string;
  readonly streams: number;
  readonly events: number;
}
export type FoldState = FoldStart;

/** [stream, revision, hash, prevHash] */
type Head = [string, number, string, string];
export type FoldMessage = { type: 'heads'; heads: Head[] } | { type: 'snapshot'; id: number };
export type FoldReply = { type: 'folded' } | ({ type: 'snapshot'; id: number } & FoldState);

/** Heads sent to the worker at once. */
const BATCH = 256;
/** Batches the worker may have unfolded before the reader waits: the store, not memory, holds the rest. */
const MAX_IN_FLIGHT = 4;

/**
 * The heads digest (heads-digest.ts) folded in a worker thread: hashing every
 * event's heads costs tens of microseconds, which the gateway's event loop —
 * the proxies' — must not pay. Heads are batched; a reader that outruns the
 * worker waits (`add` resolves late), so nothing queues without bound.
 * `snapshot` answers with the state after everything added before it.
 */
export class HeadsFold {
  private readonly worker: Worker;
  private buffer: Head[] = [];
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private nextId = 1;
  private readonly snapshots = new Map<
    number,
    { resolve: (s: FoldState) => void; reject: (e: Error) => void }
  >();
  private failure: Error | undefined;

  constructor(start: FoldStart | null) {
    this.worker = new Worker(new URL('./heads-fold.worker.js', import.meta.url), { workerData: start });
    this.worker.unref();
    this.worker.on('message', (reply: FoldReply) => {
      if (reply.type === 'folded') {
        this.inFlight -= 1;
        this.drained?.();
        return;
      }
      const { id, type: _type, ...state } = reply;
      this.snapshots.get(id)?.resolve(state);
      this.snapshots.delete(id);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the heads fold worker exited (${code})`)));
  }

  /** Adds an event's heads; resolves once the worker has room for more. */
  async add(event: RecordedEvent): Promise<void> {
    this.buffer.push([event.streamName, event.revision, event.hash, event.metadata.prevHash]);
    if (this.buffer.length >= BATCH) await this.flush();
  }

  /** The state after every event added so far: the batch and the question leave together, nothing slips between. */
  snapshot(): Promise<FoldState> {
    if (this.failure) return Promise.reject(this.failure);
    this.post();
    const id = this.nextId++;
    return new Promise<FoldState>((resolve, reject) => {
      this.snapshots.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'snapshot', id } satisfies FoldMessage);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the heads fold is closed');
    await this.worker.terminate();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    this.post();
    while (this.inFlight > MAX_IN_FLIGHT && !this.failure) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
  }

  private post(): void {
    if (this.buffer.length === 0) return;
    const heads = this.buffer;
    this.buffer = [];
    this.inFlight += 1;
    this.worker.postMessage({ type: 'heads', heads } satisfies FoldMessage);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.drained?.();
    for (const { reject } of this.snapshots.values()) reject(this.failure);
    this.snapshots.clear();
  }
}
