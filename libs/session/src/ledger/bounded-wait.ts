import { ErrorCode, PortcullisError } from '@portcullis/events';

/** The write-ahead wait ended before the store answered: the command is refused, whatever the append does later. */
export class AuditWaitEnded extends PortcullisError {
  constructor(
    readonly why: 'timeout' | 'cancelled',
    message: string,
  ) {
    super(ErrorCode.Unavailable, message);
  }
}

/**
 * `work`, or a rejection once `timeoutMs` passed or `signal` aborted,
 * whichever comes first. `work` itself goes on: the caller decides what its
 * late outcome means.
 */
export function boundedWait<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(cancelled(what));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new AuditWaitEnded('timeout', `${what} did not complete within ${timeoutMs} ms`)),
        ),
      timeoutMs,
    );
    const onAbort = () => finish(() => reject(cancelled(what)));
    signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

function cancelled(what: string): AuditWaitEnded {
  return new AuditWaitEnded('cancelled', `${what}: the client cancelled while waiting`);
}
