/** How a dropped subscription waits before reconnecting. */
export interface BackoffOptions {
  /** The first wait's ceiling. Default 100 ms. */
  initialDelayMs?: number;
  /** No wait is longer than this. Default 30 s. */
  maxDelayMs?: number;
  /** Each attempt's ceiling is this many times the previous one. Default 2. */
  multiplier?: number;
  /** Give up (the iterator throws StoreUnavailableError) after this many failed attempts in a row. Default: never. */
  maxAttempts?: number;
}

export type BackoffSchedule = Required<BackoffOptions>;

export function backoffSchedule(options: BackoffOptions = {}): BackoffSchedule {
  return {
    initialDelayMs: options.initialDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    multiplier: options.multiplier ?? 2,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * The wait before reconnect attempt `attempt` (0-based): exponential and
 * capped, with "equal jitter" — half of the ceiling fixed, half random — so
 * gateways dropped by the same node restart do not reconnect in lockstep,
 * yet no wait collapses to zero and turns into a hot loop.
 */
export function backoffDelay(
  attempt: number,
  schedule: BackoffSchedule,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * schedule.multiplier ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
