import { ErrorCode, PortcullisError } from '@portcullis/events';

/**
 * The bound of `async` audit mode (docs/architecture.md "The write-ahead guarantee"): how many
 * audit events may be accepted but not yet durable, across every session of
 * a gateway. A command whose events do not fit is refused (fail closed), so
 * a slow or unreachable store stops traffic instead of losing its record.
 */
export class AuditBuffer {
  private held = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new PortcullisError(
        ErrorCode.Validation,
        `audit buffer capacity must be an integer ≥ 2, got ${capacity}`,
      );
    }
  }

  /** Events accepted and not yet durable. */
  get pending(): number {
    return this.held;
  }

  /** Takes room for `events`, or throws AuditBufferFullError. */
  reserve(events: number): void {
    if (this.held + events > this.capacity) throw new AuditBufferFullError(this.capacity);
    this.held += events;
  }

  release(events: number): void {
    this.held = Math.max(0, this.held - events);
  }
}

export class AuditBufferFullError extends PortcullisError {
  constructor(capacity: number) {
    super(
      ErrorCode.Unavailable,
      `audit buffer full (${capacity} events not yet durable): the store is not keeping up`,
    );
  }
}
