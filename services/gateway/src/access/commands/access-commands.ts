import { Command } from '@nestjs/cqrs';
import type { Operator, RevokedIdentity } from '@portcullis/events';
import type { RevocationView, TerminationView } from '../access.views.js';

/** The reason told to the client and recorded when the admin gives none. */
export const DEFAULT_TERMINATION_REASON = 'terminated by an operator';

/** An admin ends a live session, whichever instance holds it. */
export class TerminateSessionCommand extends Command<TerminationView> {
  constructor(
    readonly sessionId: string,
    readonly by: Operator,
    readonly reason: string,
  ) {
    super();
  }
}

/** An admin cuts an identity off: new sessions refused, live ones ended, on every instance. */
export class RevokeIdentityCommand extends Command<RevocationView> {
  constructor(
    readonly identity: RevokedIdentity,
    readonly by: Operator,
    readonly reason: string,
    readonly expiresAt?: Date,
  ) {
    super();
  }
}

/** An admin lifts a revocation: the identity may open sessions again (policy permitting). */
export class LiftRevocationCommand extends Command<RevocationView> {
  constructor(
    readonly revocationId: string,
    readonly by: Operator,
    readonly reason?: string,
  ) {
    super();
  }
}
