import { Command } from '@nestjs/cqrs';
import type { Decider } from '@portcullis/session';
import type { ApprovalDecisionView } from '../queries/approval.view.js';

/** A human grants or denies an approval (REST, CLI, or a chat tool through the REST API). */
export class DecideApprovalCommand extends Command<ApprovalDecisionView> {
  constructor(
    readonly approvalId: string,
    readonly kind: 'grant' | 'deny',
    readonly by: Decider,
    readonly comment?: string,
  ) {
    super();
  }
}

/** Time ran out (sent by the expiry saga): records ApprovalExpired unless someone decided first. */
export class ExpireApprovalCommand extends Command<void> {
  constructor(readonly approvalId: string) {
    super();
  }
}
