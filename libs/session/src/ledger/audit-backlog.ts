import { AuditBuffer } from './audit-buffer.js';

/** Events held across all sessions while the store is unavailable, by default. */
export const DEFAULT_BACKLOG_EVENTS = 10_000;

/** A rejected session that did not fit the backlog, kept only as a count. */
export interface UnrecordedSessions {
  sessions: number;
  firstAt: string;
  lastAt: string;
  reasons: Record<string, number>;
}

/**
 * The bound on what a gateway keeps in memory while its store is unavailable
 * (docs/operations.md "Store outages"): the events of refused commands, of
 * sessions closed during the outage and of rejected connections, all waiting
 * to be appended once the store is back. Shared by every session of every
 * target. What does not fit is not silently lost: it is counted, and the
 * counts are appended as CommandsUnrecorded (per session) and
 * SessionsUnrecorded (per gateway instance), so every gap in the trail is
 * explained.
 */
export class AuditBacklog {
  /** The room itself: the same bounded count async mode uses. */
  private readonly room: AuditBuffer;
  private unrecorded: UnrecordedSessions | undefined;

  constructor(readonly capacity: number = DEFAULT_BACKLOG_EVENTS) {
    this.room = new AuditBuffer(capacity);
  }

  /** Events held now. */
  get pending(): number {
    return this.room.pending;
  }

  /** Takes room for `events`; false when they do not fit. */
  reserve(events: number): boolean {
    if (this.room.pending + events > this.capacity) return false;
    this.room.reserve(events);
    return true;
  }

  release(events: number): void {
    this.room.release(events);
  }

  /** A SessionRejected that did not fit. */
  countUnrecordedSession(reason: string, at: Date = new Date()): void {
    const when = at.toISOString();
    const u = (this.unrecorded ??= { sessions: 0, firstAt: when, lastAt: when, reasons: {} });
    u.sessions += 1;
    u.lastAt = when;
    u.reasons[reason] = (u.reasons[reason] ?? 0) + 1;
  }

  /** The counts kept so far, handed to whoever appends them (and forgotten here). */
  takeUnrecordedSessions(): UnrecordedSessions | undefined {
    const taken = this.unrecorded;
    this.unrecorded = undefined;
    return taken;
  }

  /** Gives counts back after their append failed. */
  restoreUnrecordedSessions(taken: UnrecordedSessions): void {
    const now = this.unrecorded;
    if (!now) {
      this.unrecorded = taken;
      return;
    }
    now.sessions += taken.sessions;
    now.firstAt = taken.firstAt < now.firstAt ? taken.firstAt : now.firstAt;
    for (const [reason, n] of Object.entries(taken.reasons))
      now.reasons[reason] = (now.reasons[reason] ?? 0) + n;
  }
}
