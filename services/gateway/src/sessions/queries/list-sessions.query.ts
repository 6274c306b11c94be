import { Query } from '@nestjs/cqrs';
import type { SessionPage } from './session.view.js';

export class ListSessionsQuery extends Query<SessionPage> {
  constructor(
    readonly filter: {
      status?: 'open' | 'closed' | 'rejected';
      target?: string;
      /** A subject or an application id: the sessions of that identity. */
      identity?: string;
      limit: number;
      before?: string;
    },
  ) {
    super();
  }
}
