import type { Position, RecordedEvent } from '@portcullis/events';
import type { EventSubscription, ReadAllOptions, SubscribeOptions } from '../port.js';
import type { Wakeup } from './wakeup.js';
import { backoffDelay, backoffSchedule } from '../backoff.js';

export interface SubscriptionSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  readonly wakeup: Wakeup;
  /** How long a live subscription sleeps without a notification before it polls. */
  readonly pollIntervalMs: number;
}

const PAGE = 512;
/** How long a subscription waits before reading again after a failed read. */
const RETRY = backoffSchedule({ initialDelayMs: 100, maxDelayMs: 5_000 });

/**
 * A catch-up subscription over `readAll`: pages through history, then sleeps
 * until a commit notification (or the poll interval) and reads again. It only
 * ever moves forward from the last delivered position, and `readAll` never
 * returns an event that an in-flight transaction could still precede, so
 * nothing is skipped or delivered twice. A failed read (the store is down)
 * is retried with backoff from the same position, for as long as it takes.
 */
export function pollingSubscription(
  source: SubscriptionSource,
  options: SubscribeOptions = {},
): EventSubscription {
  let closed = false;
  let wakeClosed: () => void = () => {};
  const closedSignal = new Promise<void>((resolve) => (wakeClosed = resolve));

  // Resolved now, not at the first `next()`: `end` means the end when subscribing.
  // If the store cannot say where the end is now, it is asked again at the first retry.
  const start = startPosition(source, options.from);
  start.catch(() => {});

  let failures = 0;
  /** Reads with retries; undefined once closed. */
  async function read<T>(work: () => Promise<T>): Promise<T | undefined> {
    while (!closed) {
      try {
        const result = await work();
        if (failures > 0) options.onRecovered?.();
        failures = 0;
        return result;
      } catch (error) {
        if (closed) return undefined;
        const delayMs = backoffDelay(failures++, RETRY);
        options.onRetry?.({
          attempt: failures,
          delayMs,
          error: error instanceof Error ? error : new Error(String(error)),
        });
        await Promise.race([new Promise((r) => setTimeout(r, delayMs).unref()), closedSignal]);
      }
    }
    return undefined;
  }

  async function* events(): AsyncGenerator<RecordedEvent> {
    let position = await read(() => start.catch(() => startPosition(source, options.from)));
    let caughtUp = false;
    while (!closed) {
      const page = await read(() =>
        source.readAll({ from: position, maxCount: PAGE, filter: options.filter }),
      );
      if (page === undefined) return;
      for (const event of page) {
        if (closed) return;
        position = event.position;
        yield event;
      }
      if (page.length < PAGE) {
        if (!caughtUp) {
          caughtUp = true;
          options.onCaughtUp?.();
        }
        await Promise.race([source.wakeup.wait(source.pollIntervalMs), closedSignal]);
      }
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      wakeClosed();
      await iterator.return(undefined);
    },
  };
}

async function startPosition(
  source: SubscriptionSource,
  from: SubscribeOptions['from'],
): Promise<Position | undefined> {
  if (from === undefined || from === 'start') return undefined;
  if (from !== 'end') return from;
  const [last] = await source.readAll({ direction: 'backwards', maxCount: 1 });
  return last?.position;
}
