import {
  categoryOf,
  StreamCategory,
  type Recorded,
  type RevocationEvent,
  type TerminationEvent,
} from '@portcullis/events';
import type { EventStore, EventSubscription } from '@portcullis/eventstore';
import { LiveSessions, type HeldSession, type LiveSession, type Termination } from './live-sessions.js';
import { RevocationSet, revokes, type RevocableIdentity, type Revocation } from './revocation-set.js';

/** Why admission refuses an identity before policy is even asked. */
export interface LifecycleRefusal {
  readonly reason: 'identity_revoked' | 'revocations_unknown';
  /** For SessionRejected only: the client is told nothing more than "not authorized". */
  readonly detail: string;
}

/** The seam both proxies use: admission asks it first, and every opened session is held in it. */
export interface AccessLifecycle {
  /** Undefined when the identity may be admitted (policy decides next); else why not. */
  admissionRefusal(identity: RevocableIdentity, now?: Date): LifecycleRefusal | undefined;
  /** Registers a session once SessionOpened is durable; an operator's termination ends it through `end`. */
  hold(session: LiveSession): HeldSession;
}

/** What it logs with (pino's shape). */
export interface LifecycleLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface StoreAccessLifecycleOptions {
  readonly store: EventStore;
  readonly logger?: LifecycleLogger;
  /** Injected so tests can fix time. */
  readonly now?: () => Date;
}

/** How long a termination of a session not (yet) held here is remembered: it may be registering right now. */
const EARLY_TERMINATION_MS = 60_000;

/**
 * Terminations and revocations through the event store. One catch-up
 * subscription on the `termination-` and `revocation-` streams, whichever
 * instance recorded them: the revocation set is folded from the whole
 * history at start and kept current, and a termination or revocation ends
 * the matching sessions this instance holds as soon as it arrives.
 *
 * Fail closed: until the history is folded, and while the subscription cannot
 * read the store, the set is not known and admission refuses every identity
 * (`revocations_unknown`) rather than let a possibly revoked one in. A
 * revocation recorded by another instance reaches this one with the
 * subscription's delay (milliseconds); a session admitted in that gap is
 * ended when it arrives (and `hold` checks the set once more).
 */
export class StoreAccessLifecycle implements AccessLifecycle {
  readonly live = new LiveSessions();
  private readonly revocations = new RevocationSet();
  private known = false;
  private caughtUp = false;
  private readonly early = new Map<string, { termination: Termination; at: number }>();
  private subscription: EventSubscription | undefined;
  private pump: Promise<void> | undefined;
  private readonly now: () => Date;

  private constructor(private readonly options: StoreAccessLifecycleOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Starts following; resolves once the history is folded, or after
   * `waitMs` without it (admission then refuses until it is).
   */
  static async start(options: StoreAccessLifecycleOptions, waitMs = 10_000): Promise<StoreAccessLifecycle> {
    const lifecycle = new StoreAccessLifecycle(options);
    await lifecycle.follow(waitMs);
    return lifecycle;
  }

  /** True once the revocation set is known (history folded, subscription reading). */
  get ready(): boolean {
    return this.known;
  }

  admissionRefusal(identity: RevocableIdentity, now = this.now()): LifecycleRefusal | undefined {
    if (!this.known) {
      return {
        reason: 'revocations_unknown',
        detail:
          'the revocation set is not known yet (the event store has not been read): refused, fail closed',
      };
    }
    const revocation = this.revocations.matching(identity, now);
    if (!revocation) return undefined;
    return {
      reason: 'identity_revoked',
      detail: `identity revoked (revocation ${revocation.revocationId} by ${revocation.revokedBy.subject}): ${revocation.reason}`,
    };
  }

  hold(session: LiveSession): HeldSession {
    const held = this.live.hold(session);
    const early = this.early.get(session.sessionId);
    if (early) {
      this.early.delete(session.sessionId);
      this.live.terminate(session.sessionId, early.termination);
      return held;
    }
    const revocation = this.revocations.matching(session.identity, this.now());
    if (revocation) this.live.terminate(session.sessionId, terminationOf(revocation));
    return held;
  }

  /** The revocations in force (what `GET /api/identities/revocations` lists). */
  activeRevocations(): Revocation[] {
    return this.revocations.list(this.now());
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    await this.pump;
  }

  private async follow(waitMs: number): Promise<void> {
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    const subscription = this.options.store.subscribeToAll<TerminationEvent | RevocationEvent>({
      from: 'start',
      filter: { streamPrefixes: [`${StreamCategory.Termination}-`, `${StreamCategory.Revocation}-`] },
      onCaughtUp: () => {
        this.caughtUp = true;
        this.known = true;
        caughtUp();
      },
      onRetry: ({ error }) => {
        if (this.known)
          this.options.logger?.warn(
            { err: error.message },
            'revocations: store unreadable, admission refuses until it is back',
          );
        this.known = false;
      },
      onRecovered: () => {
        this.known = this.caughtUp;
      },
    });
    this.subscription = subscription;
    this.pump = (async () => {
      try {
        for await (const recorded of subscription) this.observe(recorded);
      } catch (error) {
        this.known = false;
        this.options.logger?.error(
          { err: error instanceof Error ? error.message : String(error) },
          'revocations: subscription ended; admission refuses every identity',
        );
      }
    })();
    // Not unref'd: it is what ends the wait when nothing else is left to run (a dead store).
    const timer = setTimeout(caughtUp, waitMs);
    await ready;
    clearTimeout(timer);
  }

  private observe(recorded: Recorded<TerminationEvent | RevocationEvent>): void {
    switch (categoryOf(recorded.streamName)) {
      case StreamCategory.Revocation: {
        if (recorded.type === 'SessionTerminationRequested') return;
        const revocation = this.revocations.apply(recorded, new Date(recorded.metadata.recordedAt));
        if (revocation) this.terminateRevoked(revocation);
        return;
      }
      case StreamCategory.Termination:
        if (recorded.type === 'SessionTerminationRequested') this.terminateRequested(recorded);
        return;
    }
  }

  private terminateRequested(recorded: Recorded<TerminationEvent>): void {
    const { sessionId, requestedBy, reason } = recorded.data;
    const termination: Termination = { kind: 'terminated', by: requestedBy, reason };
    if (this.live.terminate(sessionId, termination) || !this.caughtUp) return;
    // Not held here, or not yet: it may be between its SessionOpened and `hold`.
    const now = Date.now();
    for (const [id, e] of this.early) if (now - e.at > EARLY_TERMINATION_MS) this.early.delete(id);
    this.early.set(sessionId, { termination, at: now });
  }

  private terminateRevoked(revocation: Revocation): void {
    const now = this.now();
    const ids = this.live.matching((identity) => revokes(revocation, identity, now));
    for (const id of ids) this.live.terminate(id, terminationOf(revocation));
    if (ids.length > 0)
      this.options.logger?.info(
        { revocationId: revocation.revocationId, sessions: ids.length },
        'identity revoked: its live sessions ended',
      );
  }
}

function terminationOf(revocation: Revocation): Termination {
  return {
    kind: 'identity_revoked',
    by: revocation.revokedBy,
    reason: revocation.reason,
    revocationId: revocation.revocationId,
  };
}
