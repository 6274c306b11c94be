import { comparePositions, ValidationError, type Position, type RecordedEvent } from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import { createLogger } from '../logging/logger.js';
import { openRuntime } from '../runtime/gateway-runtime.js';
import { EventFeed, parseFeedFormat, parseFeedStart, type FeedStart } from '../siem/event-feed.js';
import { loadCliConfig, type CliIo, type StoreOptions } from './common.js';

export interface EventsTailOptions extends StoreOptions {
  from?: string;
  checkpoint?: string;
  follow?: boolean;
  format?: string;
}

const CHECKPOINT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** A named checkpoint lives beside the projections' in the store, under its own prefix. */
export const tailCheckpointId = (name: string): string => `portcullis:events-tail:${name}`;
const PAGE = 500;
/** How often progress is stored while events flow (and once more at the end). */
const CHECKPOINT_EVERY_MS = 250;

/**
 * `portcullis events tail`: every event of `$all` after a position, one JSON
 * line each, in global order; with `--follow`, then live ones until SIGINT
 * or SIGTERM. `--checkpoint NAME` resumes after the position stored under
 * that name and stores progress as lines leave: only positions whose lines
 * stdout has taken, so a crash repeats at most the lines since the last
 * store (at least once) and never skips one.
 */
export async function eventsTail(options: EventsTailOptions, io: CliIo): Promise<number> {
  const format = parseFeedFormat(options.format, '--format');
  if (options.from !== undefined && options.checkpoint !== undefined) {
    throw new ValidationError('--from and --checkpoint exclude each other: a checkpoint says where to start');
  }
  if (options.checkpoint !== undefined && !CHECKPOINT_NAME.test(options.checkpoint)) {
    throw new ValidationError('invalid --checkpoint', [
      { path: '--checkpoint', message: 'must be 1-100 letters, digits, _ . or -' },
    ]);
  }
  let start: FeedStart = parseFeedStart(options.from, '--from');
  const config = await loadCliConfig(options);
  const runtime = await openRuntime(config, createLogger('warn', config.instance, 'stderr'));
  const store = runtime.store;
  const checkpoint = options.checkpoint === undefined ? undefined : tailCheckpointId(options.checkpoint);
  const stop = stopSignal();
  try {
    if (checkpoint) start = (await store.checkpoints.load(checkpoint)) ?? 'start';
    const output = new LineOutput(io, store, checkpoint);
    const feed = new EventFeed(store, format);
    const emit = async (event: RecordedEvent) => {
      const line = await feed.render(event);
      // Events OCSF has no class for still move the checkpoint past them.
      await output.write(line === undefined ? undefined : JSON.stringify(line), event.position);
    };
    try {
      if (options.follow) await follow(store, start, emit, stop);
      else await readToEnd(store, start, emit, stop);
    } finally {
      await output.close();
    }
    return output.failed ? 1 : 0;
  } finally {
    stop.dispose();
    await runtime.close();
  }
}

async function readToEnd(
  store: EventStore,
  start: FeedStart,
  emit: (event: RecordedEvent) => Promise<void>,
  stop: StopSignal,
): Promise<void> {
  if (start === 'end') return;
  let from: Position | undefined = start === 'start' ? undefined : start;
  while (!stop.stopped) {
    const page = await store.readAll({ ...(from ? { from } : {}), maxCount: PAGE });
    for (const event of page) {
      if (stop.stopped) return;
      await emit(event);
      from = event.position;
    }
    if (page.length < PAGE) return;
  }
}

async function follow(
  store: EventStore,
  start: FeedStart,
  emit: (event: RecordedEvent) => Promise<void>,
  stop: StopSignal,
): Promise<void> {
  const subscription = store.subscribeToAll({ from: start });
  const closing = stop.promise.then(() => subscription.close());
  try {
    for await (const event of subscription) {
      if (stop.stopped) break;
      await emit(event);
    }
  } finally {
    stop.trigger();
    await closing;
  }
}

interface StopSignal {
  readonly stopped: boolean;
  readonly promise: Promise<void>;
  trigger(): void;
  dispose(): void;
}

/** Resolves on SIGINT or SIGTERM (or `trigger`), so the command ends cleanly and stores its checkpoint. */
function stopSignal(): StopSignal {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const signal: StopSignal = {
    stopped: false,
    promise,
    trigger: () => {
      (signal as { stopped: boolean }).stopped = true;
      resolve();
    },
    dispose: () => {
      process.off('SIGINT', signal.trigger);
      process.off('SIGTERM', signal.trigger);
    },
  };
  process.on('SIGINT', signal.trigger);
  process.on('SIGTERM', signal.trigger);
  return signal;
}

/**
 * Writes lines to stdout with backpressure and stores the checkpoint at the
 * last position whose line stdout has taken (write callbacks run in order).
 */
class LineOutput {
  failed = false;
  private taken: Position | undefined;
  private stored: Position | undefined;
  private lastStore = 0;

  constructor(
    private readonly io: CliIo,
    private readonly store: EventStore,
    private readonly checkpoint: string | undefined,
  ) {
    io.stdout.on('error', this.onError);
  }

  private readonly onError = (error: Error) => {
    if (!this.failed) this.io.stderr.write(`portcullis: cannot write the events: ${error.message}\n`);
    this.failed = true;
  };

  async write(line: string | undefined, position: Position): Promise<void> {
    if (this.failed) throw new Error('stdout is closed');
    if (line === undefined) {
      // Nothing to print: taken once everything before it is.
      await new Promise<void>((resolve) => this.io.stdout.write('', () => resolve()));
      this.taken = position;
    } else {
      const more = this.io.stdout.write(line + '\n', (error) => {
        if (!error) this.taken = position;
      });
      if (!more) await new Promise<void>((resolve) => this.io.stdout.once('drain', resolve));
    }
    if (this.checkpoint && Date.now() - this.lastStore >= CHECKPOINT_EVERY_MS) await this.storeCheckpoint();
  }

  async close(): Promise<void> {
    if (!this.failed) await new Promise<void>((resolve) => this.io.stdout.write('', () => resolve()));
    this.io.stdout.off('error', this.onError);
    if (this.checkpoint) await this.storeCheckpoint();
  }

  private async storeCheckpoint(): Promise<void> {
    this.lastStore = Date.now();
    const taken = this.taken;
    if (!taken || (this.stored && comparePositions(taken, this.stored) <= 0)) return;
    await this.store.checkpoints.store(this.checkpoint!, taken);
    this.stored = taken;
  }
}
