import { Query } from '@nestjs/cqrs';
import type { SessionPage } from './session.view.js';

export class ListSessionsQuery extends Query<SessionPage> {
  constructor(
    readonly filter: {
      status?: 'open' | 'closed' | 'rejected';
      target?: string;
      /** A subject or an application id: the sessions of that identity. */
      identity?: string;
      /** ISO 8601: only sessions still live at this time or later (open, or closed since). */
      liveFrom?: string;
      /** ISO 8601: only sessions opened before this time. */
      liveTo?: string;
      limit: number;
      before?: string;
    },
  ) {
    super();
  }
}
