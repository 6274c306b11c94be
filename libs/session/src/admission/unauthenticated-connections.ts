/**
 * Caps on the connections of one listener that have not authenticated yet.
 * Before authentication a client costs us a socket, parser state and a
 * startup deadline while we know nothing about it; without a cap anyone who
 * can reach the port holds as many as the file-descriptor limit allows. Past
 * authentication the session's policy and audit take over.
 */
export interface UnauthenticatedLimits {
  /** All unauthenticated connections of the listener at once. */
  readonly total: number;
  /** Those from one source address (one host cannot take the whole budget). */
  readonly perAddress: number;
}

/**
 * 256 total is far above what honest clients need at once (each
 * authenticates within one round trip to the issuer's JWKS) and far below a
 * process's descriptor limit; 32 per address leaves room for a CI runner's
 * burst of parallel jobs behind one NAT address.
 */
export const DEFAULT_UNAUTHENTICATED_LIMITS: UnauthenticatedLimits = { total: 256, perAddress: 32 };

/** Admitted (call `release` once authenticated or gone; more calls do nothing), or refused with why. */
export type Admission =
  { readonly admitted: true; release(): void } | { readonly admitted: false; readonly message: string };

/** The subset of pino used for the refusal warning. */
export interface RefusalLogger {
  warn(fields: object, message: string): void;
}

/** A flood is one warning per window, with the count of what it hid, not one line per connection. */
const WARNING_WINDOW_MS = 10_000;

export class UnauthenticatedConnections {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private refusedUnlogged = 0;
  private lastWarningAt = -Infinity;

  constructor(
    private readonly limits: UnauthenticatedLimits,
    private readonly logger: RefusalLogger,
    private readonly listener: string,
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`unauthenticated connection limit ${name} must be a positive integer`);
    }
  }

  /** Unauthenticated connections held now (for tests and metrics). */
  get count(): number {
    return this.total;
  }

  admit(rawAddress: string | undefined): Admission {
    const address = sourceAddress(rawAddress);
    const fromAddress = this.byAddress.get(address) ?? 0;
    const message =
      this.total >= this.limits.total
        ? `too many connections: ${this.limits.total} are already waiting to authenticate`
        : fromAddress >= this.limits.perAddress
          ? `too many connections from ${address}: ${this.limits.perAddress} are already waiting to authenticate`
          : undefined;
    if (message !== undefined) {
      this.warn(address, message);
      return { admitted: false, message };
    }
    this.total++;
    this.byAddress.set(address, fromAddress + 1);
    let held = true;
    return {
      admitted: true,
      release: () => {
        if (!held) return;
        held = false;
        this.total--;
        const left = (this.byAddress.get(address) ?? 1) - 1;
        // An address with nothing held leaves the map, so the map is bounded by `total`.
        if (left === 0) this.byAddress.delete(address);
        else this.byAddress.set(address, left);
      },
    };
  }

  private warn(address: string, message: string): void {
    this.refusedUnlogged++;
    const at = this.now();
    if (at - this.lastWarningAt < WARNING_WINDOW_MS) return;
    this.lastWarningAt = at;
    this.logger.warn(
      { listener: this.listener, address, refused: this.refusedUnlogged, windowMs: WARNING_WINDOW_MS },
      `connections refused: ${message}`,
    );
    this.refusedUnlogged = 0;
  }
}

/** `::ffff:10.0.0.1` on a dual-stack listener is the IPv4 host 10.0.0.1: one budget, not two. */
function sourceAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
