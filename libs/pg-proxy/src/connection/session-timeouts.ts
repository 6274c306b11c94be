import { connect } from 'node:net';
import { frontend } from '../protocol/index.js';
import type { BackendKey } from '../protocol/backend-messages.js';
import type { PgProxyOptions } from '../listener/proxy-options.js';
import { MAX_RECORDED_ROWS } from '../masking/result-rows.js';

/** Where a CancelRequest for the proxy's own upstream session goes. */
export interface UpstreamCancelKey {
  readonly host: string;
  readonly port: number;
  readonly key: BackendKey;
}

/** An authenticated session idle this long is closed unless the target says otherwise (0: never). */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 900;

/** Limits of one session (PgProxyOptions' timeouts, resolved). */
export interface SessionLimits {
  readonly idleTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  /** Cancels whatever runs on the session's upstream backend (a CancelRequest on a new connection). */
  readonly cancelUpstream?: () => void;
  /** Result rows recorded per statement in CommandCompleted (after masking); 0: none. */
  readonly recordResultRows?: number;
}

/** The session's limits from the target's options; no backend key, no statement timeout (nothing to cancel with). */
export function sessionLimits(
  options: Pick<
    PgProxyOptions,
    'idleTimeoutSeconds' | 'statementTimeoutMs' | 'upstream' | 'recordResultRows'
  >,
  backendKey: BackendKey | undefined,
): SessionLimits {
  const idleTimeoutSeconds = options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  return {
    ...(options.recordResultRows
      ? { recordResultRows: Math.min(options.recordResultRows, MAX_RECORDED_ROWS) }
      : {}),
    ...(idleTimeoutSeconds > 0 ? { idleTimeoutMs: idleTimeoutSeconds * 1000 } : {}),
    ...(options.statementTimeoutMs && backendKey
      ? {
          statementTimeoutMs: options.statementTimeoutMs,
          cancelUpstream: upstreamCanceller({
            host: options.upstream.host,
            port: options.upstream.port,
            key: backendKey,
          }),
        }
      : {}),
  };
}

/** Sends CancelRequest for the proxy's own upstream backend, as PostgreSQL expects: on a fresh connection. */
export function upstreamCanceller(target: UpstreamCancelKey): () => void {
  return () => {
    const socket = connect(target.port, target.host);
    socket.on('error', () => undefined);
    socket.setTimeout(5_000, () => socket.destroy());
    socket.end(frontend.cancelRequest(target.key.processId, target.key.secretKey));
  };
}

/**
 * Fires `onIdle` once the session went `timeoutMs` without a client message
 * while it was not busy (a statement running, a reply owed, an approval
 * pending). Like PostgreSQL's idle_session_timeout, but also inside a
 * transaction: an agent that walked away must not hold locks forever.
 */
export class IdleTimer {
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly busy: () => boolean,
    private readonly onIdle: () => void,
  ) {
    this.arm(timeoutMs);
  }

  /** The client said something. */
  touch(): void {
    this.last = Date.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(delayMs, 1));
    this.timer.unref();
  }

  private check(): void {
    if (this.busy()) {
      // Idleness starts when the work ends, not when it started.
      this.touch();
      return this.arm(this.timeoutMs);
    }
    const idleFor = Date.now() - this.last;
    if (idleFor >= this.timeoutMs) {
      this.timer = undefined;
      return this.onIdle();
    }
    this.arm(this.timeoutMs - idleFor);
  }
}

/**
 * One timer per forwarded command: past the limit, the upstream backend is
 * sent a CancelRequest and PostgreSQL answers the client its own 57014. The
 * proxy enforces it, so no `SET statement_timeout` of the client lifts it.
 */
export class StatementTimer<Command extends object> {
  private readonly timers = new Map<Command, NodeJS.Timeout>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (command: Command) => void,
  ) {}

  started(command: Command): void {
    const timer = setTimeout(() => {
      this.timers.delete(command);
      this.onTimeout(command);
    }, this.timeoutMs);
    timer.unref();
    this.timers.set(command, timer);
  }

  completed(command: Command): void {
    clearTimeout(this.timers.get(command));
    this.timers.delete(command);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
