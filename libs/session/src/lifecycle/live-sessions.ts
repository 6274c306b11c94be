import type { Identity, Operator, SessionClosedData } from '@portcullis/events';

/** Why an operator ended a live session. */
export interface Termination {
  readonly kind: 'terminated' | 'identity_revoked';
  readonly by: Operator;
  /** The operator's reason: recorded in SessionClosed; told to the client only for `terminated`. */
  readonly reason: string;
  readonly revocationId?: string;
}

/** What a proxy registers for a session it holds. */
export interface LiveSession {
  readonly sessionId: string;
  readonly identity: Identity;
  /** Say `message` on the wire (PostgreSQL FATAL 57P01, SSH stderr), then close the connection. */
  end(message: string): void;
}

/** A session held by this instance, as the proxy sees it until it closes. */
export interface HeldSession {
  /** Set once an operator ended the session. */
  readonly termination: Termination | undefined;
  /** The session closed: forget it. */
  release(): void;
  /** SessionClosed's reason and, when an operator ended it, who and why. */
  closing(
    reason: string,
  ): Pick<SessionClosedData, 'reason' | 'terminatedBy' | 'terminationReason' | 'revocationId'>;
}

/**
 * What the client is told when an operator ends its session. A revocation's
 * reason stays in the events (as at admission, the client learns only that
 * its access is gone); a termination's reason is the operator's message.
 */
export function goodbyeOf(termination: Termination): string {
  return termination.kind === 'identity_revoked'
    ? 'portcullis: session terminated: access revoked'
    : `portcullis: session terminated by ${termination.by.subject}: ${termination.reason}`;
}

interface Entry {
  readonly session: LiveSession;
  termination?: Termination;
}

/**
 * The live sessions this gateway instance holds, shared by every proxy: the
 * one implementation of "close this live session". An operator's
 * termination (from any instance, through the store) finds the session
 * here; the core says why (goodbyeOf) and the proxy only says it on its wire.
 */
export class LiveSessions {
  private readonly sessions = new Map<string, Entry>();

  hold(session: LiveSession): HeldSession {
    const entry: Entry = { session };
    this.sessions.set(session.sessionId, entry);
    return {
      get termination() {
        return entry.termination;
      },
      release: () => {
        if (this.sessions.get(session.sessionId) === entry) this.sessions.delete(session.sessionId);
      },
      closing: (reason) => {
        const t = entry.termination;
        if (!t) return { reason };
        return {
          reason: t.kind,
          terminatedBy: t.by,
          terminationReason: t.reason,
          ...(t.revocationId ? { revocationId: t.revocationId } : {}),
        };
      },
    };
  }

  /** Ends the session if this instance holds it (first termination wins); true when it did. */
  terminate(sessionId: string, termination: Termination): boolean {
    const entry = this.sessions.get(sessionId);
    if (!entry) return false;
    if (entry.termination) return true;
    entry.termination = termination;
    entry.session.end(goodbyeOf(termination));
    return true;
  }

  /** Every held session whose identity matches: the ids. */
  matching(predicate: (identity: Identity) => boolean): string[] {
    return [...this.sessions.values()]
      .filter((e) => predicate(e.session.identity))
      .map((e) => e.session.sessionId);
  }

  get size(): number {
    return this.sessions.size;
  }
}
