import { Query } from '@nestjs/cqrs';
import type { ApprovalPage, ApprovalStatusName, ApprovalView } from './approval.view.js';

export interface ApprovalFilter {
  readonly status?: ApprovalStatusName;
  readonly target?: string;
  readonly limit: number;
}

export class ListApprovalsQuery extends Query<ApprovalPage> {
  constructor(readonly filter: ApprovalFilter) {
    super();
  }
}

export class GetApprovalQuery extends Query<ApprovalView | null> {
  constructor(readonly approvalId: string) {
    super();
  }
}
