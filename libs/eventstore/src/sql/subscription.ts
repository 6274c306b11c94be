import type { Position, RecordedEvent } from '@portcullis/events';
import type { EventSubscription, ReadAllOptions, SubscribeOptions } from '../port.js';
import type { Wakeup } from './wakeup.js';

export interface SubscriptionSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  readonly wakeup: Wakeup;
  /** How long a live subscription sleeps without a notification before it polls. */
  readonly pollIntervalMs: number;
}

const PAGE = 512;

/**
 * A catch-up subscription over `readAll`: pages through history, then sleeps
 * until a commit notification (or the poll interval) and reads again. It only
 * ever moves forward from the last delivered position, and `readAll` never
 * returns an event that an in-flight transaction could still precede, so
 * nothing is skipped or delivered twice.
 */
export function pollingSubscription(
  source: SubscriptionSource,
  options: SubscribeOptions = {},
): EventSubscription {
  let closed = false;
  let wakeClosed: () => void = () => {};
  const closedSignal = new Promise<void>((resolve) => (wakeClosed = resolve));

  // Resolved now, not at the first `next()`: `end` means the end when subscribing.
  const start = startPosition(source, options.from);
  start.catch(() => {}); // surfaced by the first `next()`

  async function* events(): AsyncGenerator<RecordedEvent> {
    let position = await start;
    let caughtUp = false;
    while (!closed) {
      const page = await source.readAll({ from: position, maxCount: PAGE, filter: options.filter });
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
