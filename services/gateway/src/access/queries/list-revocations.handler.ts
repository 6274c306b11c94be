import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { StreamCategory, type RevocationEvent } from '@portcullis/events';
import type { EventStore } from '@portcullis/eventstore';
import { RevocationSet } from '@portcullis/session';
import { EVENT_STORE } from '../../tokens.js';
import { revocationView, type RevocationList } from '../access.views.js';
import { ListRevocationsQuery } from './list-revocations.query.js';

/** Folded from the revocation streams, as every instance's admission folds them. */
@QueryHandler(ListRevocationsQuery)
export class ListRevocationsHandler implements IQueryHandler<ListRevocationsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(): Promise<RevocationList> {
    const events = await this.store.readAll<RevocationEvent>({
      filter: { streamPrefixes: [`${StreamCategory.Revocation}-`] },
    });
    const set = new RevocationSet();
    for (const event of events) set.apply(event, new Date(event.metadata.recordedAt));
    return { items: set.list(new Date()).map((r) => revocationView(r, r.revokedAt)) };
  }
}
