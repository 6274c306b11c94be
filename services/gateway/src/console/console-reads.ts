import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  approvalStream,
  catalogUpcasters,
  sessionStream,
  type ApprovalEvent,
  type DomainEvent,
  type Recorded,
} from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import type { ApprovalView } from '../approvals/queries/approval.view.js';
import { GetApprovalQuery, ListApprovalsQuery } from '../approvals/queries/list-approvals.query.js';
import { ListSessionsQuery } from '../sessions/queries/list-sessions.query.js';
import type { SessionPage } from '../sessions/queries/session.view.js';
import { EVENT_STORE } from '../tokens.js';
import { sessionTimeline, type SessionTimeline } from './session-timeline.js';
import type { ApprovalCard } from './views/approvals-page.js';
import type { SessionFilter } from './views/sessions-page.js';

/** A session detail page reads at most this many events of its stream. */
const MAX_SESSION_EVENTS = 20_000;

/**
 * What the console pages read: the same queries the REST API answers
 * from the read models, plus the streams themselves where a read model
 * does not keep a fact (the requester's tenant and kind, a statement's
 * classification, a session's statements).
 */
@Injectable()
export class ConsoleReads {
  constructor(
    private readonly queries: QueryBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Pending first (oldest expiry first), then the most recently decided. */
  async inbox(): Promise<{ pending: ApprovalCard[]; decided: ApprovalCard[] }> {
    const [pending, recent] = await Promise.all([
      this.queries.execute(new ListApprovalsQuery({ status: 'pending', limit: 200 })),
      this.queries.execute(new ListApprovalsQuery({ limit: 50 })),
    ]);
    const byExpiry = [...pending.items].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
    const decided = recent.items.filter((a) => a.status !== 'pending').slice(0, 20);
    return { pending: await this.cards(byExpiry), decided: await this.cards(decided) };
  }

  async card(approvalId: string): Promise<ApprovalCard | undefined> {
    const view = await this.queries.execute(new GetApprovalQuery(approvalId));
    return view ? (await this.cards([view]))[0] : undefined;
  }

  /** `liveFrom`/`liveTo`: the time filter, resolved to instants (session-window.ts). */
  sessions(
    filter: SessionFilter & {
      liveFrom?: string | undefined;
      liveTo?: string | undefined;
      before?: string | undefined;
    },
  ): Promise<SessionPage> {
    return this.queries.execute(
      new ListSessionsQuery({
        limit: 50,
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.target ? { target: filter.target } : {}),
        ...(filter.identity ? { identity: filter.identity } : {}),
        ...(filter.liveFrom ? { liveFrom: filter.liveFrom } : {}),
        ...(filter.liveTo ? { liveTo: filter.liveTo } : {}),
        ...(filter.before ? { before: filter.before } : {}),
      }),
    );
  }

  async session(sessionId: string): Promise<SessionTimeline | undefined> {
    const events = await this.store.readStream<DomainEvent>(sessionStream(sessionId), {
      maxCount: MAX_SESSION_EVENTS,
    });
    if (events.length === 0) return undefined;
    return sessionTimeline(events.map((e) => catalogUpcasters.upcast(e) as Recorded<DomainEvent>));
  }

  private cards(views: readonly ApprovalView[]): Promise<ApprovalCard[]> {
    return Promise.all(
      views.map(async (view) => {
        const [first] = await this.store.readStream<ApprovalEvent>(approvalStream(view.approvalId), {
          maxCount: 1,
        });
        const requested = first?.type === 'ApprovalRequested' ? first.data : undefined;
        return { view, requester: requested?.requester, classification: requested?.classification };
      }),
    );
  }
}
