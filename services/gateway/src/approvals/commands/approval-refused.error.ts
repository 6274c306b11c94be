import type { ApprovalRefusalReason } from '@portcullis/events';
import { ErrorCode, PortcullisError } from '@portcullis/events';

/** HTTP-independent: the problem filter maps the code (404, 409, 403). */
const CODES: Record<ApprovalRefusalReason, ErrorCode> = {
  unknown_approval: ErrorCode.NotFound,
  expired: ErrorCode.Concurrency,
  already_decided: ErrorCode.Concurrency,
  not_an_approver: ErrorCode.Forbidden,
  self_approval: ErrorCode.Forbidden,
};

/** A grant or deny the approval's rules refused; the attempt itself is recorded (ApprovalDecisionRefused). */
export class ApprovalRefusedError extends PortcullisError {
  constructor(
    readonly reason: ApprovalRefusalReason,
    detail: string,
  ) {
    super(CODES[reason], detail, { details: { reason } });
  }
}
