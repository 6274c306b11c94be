import { randomUUID } from 'node:crypto';
import {
  categoryOf,
  StreamCategory,
  streamIdOf,
  type Approver,
  type ApprovalRequestedData,
  type Identity,
  type ApprovalEvent,
  type Recorded,
} from '@portcullis/events';
import type { EventStore, EventSubscription } from '@portcullis/eventstore';
import { evolve, type ApprovalState } from './approval.js';
import { asApprovalEvent, runApprovalCommand } from './approval-stream.js';
import { boundedWait } from '../ledger/bounded-wait.js';
import { DEFAULT_APPEND_TIMEOUT_MS } from '../ledger/session-recorder.js';

/** What a proxy asks a human to approve (the policy's review settings included). */
export interface ApprovalRequest {
  readonly scope: 'command' | 'session';
  readonly sessionId: string;
  /** The command's sequence in its session (command scope). */
  readonly sequence?: number;
  readonly requester: Identity;
  readonly targetName: string;
  readonly text: string;
  readonly classification?: unknown;
  /** The policy's review reasons. */
  readonly reason: string;
  readonly approverGroups: readonly string[];
  readonly minApprovals: number;
  /** How long a human has to decide. */
  readonly ttlSeconds: number;
  /** Session scope: how long access lasts once granted. */
  readonly windowSeconds?: number;
}

export type ApprovalOutcome =
  | { readonly status: 'granted'; readonly approvalId: string; readonly approvers: readonly Approver[] }
  | {
      readonly status: 'denied' | 'expired' | 'cancelled';
      readonly approvalId: string;
      /** For the client: who denied, or that time ran out. */
      readonly detail: string;
    };

export interface PendingApproval {
  readonly approvalId: string;
  readonly expiresAt: Date;
  /** Settles once the approval is decided, expired or cancelled. Never rejects. */
  readonly outcome: Promise<ApprovalOutcome>;
  /** The client went away: records ApprovalCancelled if it is still pending. */
  cancel(reason: string): Promise<void>;
}

/** A granted session approval whose window is still open. */
export interface SessionGrant {
  readonly approvalId: string;
  readonly until: Date;
}

/** The seam proxies pause at (docs/architecture.md "The life of a command"). */
export interface ApprovalGate {
  /** Appends ApprovalRequested; resolves once it is durable. Rejects when the store cannot take it. */
  request(request: ApprovalRequest): Promise<PendingApproval>;
  /** Session access for this requester and target: a grant still in its window, or a request still pending. */
  sessionAccess(requester: Identity, targetName: string): { granted?: SessionGrant; pending?: string };
  /** Where a human decides this approval (a URL or a command), for the client's notice. */
  whereToDecide(approvalId: string): string;
}

export interface StoreApprovalGateOptions {
  readonly store: EventStore;
  readonly gatewayInstance: string;
  /** e.g. `id => \`https://portcullis.example/api/approvals/${id}\``. Default names the CLI command. */
  readonly whereToDecide?: (approvalId: string) => string;
  /** Injected so tests can fix time. */
  readonly now?: () => Date;
  /**
   * After expiry, how long to wait for ApprovalExpired (appended by whoever
   * gets there first) before treating the approval as expired locally
   * anyway. The statement is refused either way: fail closed.
   */
  readonly expiryGraceMs?: number;
  /**
   * The longest `request` waits for ApprovalRequested to be durable before
   * it refuses (the command or session is then refused, fail closed). A
   * request that lands later simply expires unanswered. Default
   * DEFAULT_APPEND_TIMEOUT_MS, like the ledger's write-ahead bound.
   */
  readonly requestTimeoutMs?: number;
}

/** Ended command approvals kept for `get()`; older ones are dropped (session grants are always kept while open). */
const ENDED_KEPT = 10_000;

interface Waiter {
  readonly resolve: (outcome: ApprovalOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Approvals through the event store: requests are appended to
 * `approval-<id>` streams and outcomes arrive through the store's
 * subscription, whichever gateway instance recorded them. An in-memory fold
 * of every approval stream answers "is this pending/granted?" without a
 * round trip. The gate appends ApprovalExpired itself when time runs out
 * (racing the gateway's expiry saga is safe: appends use the exact revision).
 */
export class StoreApprovalGate implements ApprovalGate {
  private readonly approvals = new Map<string, ApprovalState>();
  private ended = 0;
  private readonly waiters = new Map<string, Waiter>();
  private subscription: EventSubscription | undefined;
  private pump: Promise<void> | undefined;
  private readonly now: () => Date;

  private constructor(private readonly options: StoreApprovalGateOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Starts following the approval streams; resolves once the history is folded. */
  static async start(options: StoreApprovalGateOptions): Promise<StoreApprovalGate> {
    const gate = new StoreApprovalGate(options);
    await gate.follow();
    return gate;
  }

  async request(request: ApprovalRequest): Promise<PendingApproval> {
    const approvalId = randomUUID();
    const expiresAt = new Date(this.now().getTime() + request.ttlSeconds * 1000);
    const data: ApprovalRequestedData = {
      approvalId,
      scope: request.scope,
      sessionId: request.sessionId,
      ...(request.sequence === undefined ? {} : { sequence: request.sequence }),
      requester: request.requester,
      targetName: request.targetName,
      text: request.text,
      ...(request.classification === undefined ? {} : { classification: request.classification }),
      reason: request.reason,
      approverGroups: [...request.approverGroups],
      minApprovals: request.minApprovals,
      expiresAt: expiresAt.toISOString(),
      ...(request.windowSeconds === undefined ? {} : { windowSeconds: request.windowSeconds }),
    };
    const outcome = new Promise<ApprovalOutcome>((resolve) => {
      const timer = setTimeout(
        () => void this.expire(approvalId),
        Math.max(0, expiresAt.getTime() - this.now().getTime()),
      );
      this.waiters.set(approvalId, { resolve, timer });
    });
    try {
      // Through the approval decider, like every other event of an approval stream.
      await boundedWait(
        runApprovalCommand(
          this.options.store,
          approvalId,
          { kind: 'request', request: data },
          { actor: request.requester.subject, gatewayInstance: this.options.gatewayInstance },
          this.now,
        ),
        this.options.requestTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS,
        'the ApprovalRequested append',
      );
    } catch (error) {
      clearTimeout(this.waiters.get(approvalId)?.timer);
      this.waiters.delete(approvalId);
      throw error;
    }
    this.apply(approvalId, { type: 'ApprovalRequested', data }, this.now());
    return {
      approvalId,
      expiresAt,
      outcome,
      cancel: (reason) => this.cancel(approvalId, reason),
    };
  }

  sessionAccess(requester: Identity, targetName: string): { granted?: SessionGrant; pending?: string } {
    const now = this.now().getTime();
    let pending: string | undefined;
    let granted: SessionGrant | undefined;
    for (const state of this.approvals.values()) {
      const { request } = state;
      if (request.scope !== 'session' || request.targetName !== targetName) continue;
      if (request.requester.subject !== requester.subject || request.requester.issuer !== requester.issuer)
        continue;
      if (state.status === 'pending' && now < Date.parse(request.expiresAt)) pending = state.id;
      if (state.status === 'granted' && state.decidedAt) {
        const until = new Date(state.decidedAt.getTime() + (request.windowSeconds ?? 0) * 1000);
        if (until.getTime() > now && (!granted || until > granted.until))
          granted = { approvalId: state.id, until };
      }
    }
    return { ...(granted ? { granted } : {}), ...(pending ? { pending } : {}) };
  }

  whereToDecide(approvalId: string): string {
    return this.options.whereToDecide?.(approvalId) ?? `portcullis approvals grant ${approvalId}`;
  }

  /** The folded state of one approval, as this instance knows it. */
  get(approvalId: string): ApprovalState | undefined {
    return this.approvals.get(approvalId);
  }

  async close(): Promise<void> {
    for (const [approvalId, waiter] of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve({ status: 'cancelled', approvalId, detail: 'the gateway is shutting down' });
    }
    this.waiters.clear();
    await this.subscription?.close();
    await this.pump;
  }

  private async follow(): Promise<void> {
    let caughtUp!: { resolve: () => void; reject: (error: unknown) => void };
    const ready = new Promise<void>((resolve, reject) => (caughtUp = { resolve, reject }));
    const subscription = this.options.store.subscribeToAll<ApprovalEvent>({
      from: 'start',
      filter: { streamPrefixes: [`${StreamCategory.Approval}-`] },
      onCaughtUp: () => caughtUp.resolve(),
    });
    this.subscription = subscription;
    this.pump = (async () => {
      try {
        for await (const recorded of subscription) this.observe(recorded);
      } catch (error) {
        caughtUp.reject(error);
      }
    })();
    await ready;
  }

  private observe(recorded: Recorded<ApprovalEvent>): void {
    if (categoryOf(recorded.streamName) !== StreamCategory.Approval) return;
    const { event, recordedAt } = asApprovalEvent(recorded);
    this.apply(streamIdOf(recorded.streamName), event, recordedAt);
  }

  private apply(approvalId: string, event: Parameters<typeof evolve>[1], at: Date): void {
    const before = this.approvals.get(approvalId);
    // Our own request is folded at once; the subscription delivers it again later.
    if (before && event.type === 'ApprovalRequested') return;
    const after = evolve(before, event, at);
    if (after === undefined || after === before) return;
    this.approvals.set(approvalId, after);
    if (after.status !== 'pending') {
      this.settle(after);
      if (++this.ended > ENDED_KEPT) this.forgetOldEnded();
    }
  }

  /** Bounded memory: ended approvals that can no longer matter are dropped, oldest first. */
  private forgetOldEnded(): void {
    const now = this.now().getTime();
    for (const [id, state] of this.approvals) {
      if (this.ended <= ENDED_KEPT / 2) return;
      if (state.status === 'pending' || this.waiters.has(id)) continue;
      const windowOpen =
        state.status === 'granted' &&
        state.request.scope === 'session' &&
        (state.decidedAt?.getTime() ?? 0) + (state.request.windowSeconds ?? 0) * 1000 > now;
      if (windowOpen) continue;
      this.approvals.delete(id);
      this.ended--;
    }
  }

  private settle(state: ApprovalState): void {
    const waiter = this.waiters.get(state.id);
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.waiters.delete(state.id);
    waiter.resolve(outcomeOf(state));
  }

  /** Time ran out: record it (unless someone decided first), and release the waiter either way. */
  private async expire(approvalId: string): Promise<void> {
    try {
      const { state } = await runApprovalCommand(
        this.options.store,
        approvalId,
        { kind: 'expire' },
        { actor: 'portcullis', gatewayInstance: this.options.gatewayInstance },
        this.now,
      );
      if (state) {
        this.approvals.set(approvalId, state);
        if (state.status !== 'pending') return this.settle(state);
      }
    } catch {
      // The store did not take it: the waiter still ends, below.
    }
    const waiter = this.waiters.get(approvalId);
    if (!waiter) return;
    const grace = setTimeout(() => {
      if (!this.waiters.has(approvalId)) return;
      this.waiters.delete(approvalId);
      waiter.resolve({ status: 'expired', approvalId, detail: 'no decision before the approval expired' });
    }, this.options.expiryGraceMs ?? 1000);
    grace.unref();
  }

  private async cancel(approvalId: string, reason: string): Promise<void> {
    const waiter = this.waiters.get(approvalId);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(approvalId);
      waiter.resolve({ status: 'cancelled', approvalId, detail: reason });
    }
    const { state } = await runApprovalCommand(
      this.options.store,
      approvalId,
      { kind: 'cancel', reason },
      { actor: 'portcullis', gatewayInstance: this.options.gatewayInstance },
      this.now,
    );
    if (state) this.approvals.set(approvalId, state);
  }
}

function outcomeOf(state: ApprovalState): ApprovalOutcome {
  switch (state.status) {
    case 'granted':
      return { status: 'granted', approvalId: state.id, approvers: state.grantedBy };
    case 'denied':
      return {
        status: 'denied',
        approvalId: state.id,
        detail: `denied by ${state.deniedBy?.subject ?? 'an approver'}`,
      };
    case 'expired':
      return { status: 'expired', approvalId: state.id, detail: 'no decision before the approval expired' };
    default:
      return { status: 'cancelled', approvalId: state.id, detail: 'the request was cancelled' };
  }
}
