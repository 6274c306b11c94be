import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const APPROVAL_STATUSES = ['pending', 'granted', 'denied', 'expired', 'cancelled'] as const;
export type ApprovalStatusName = (typeof APPROVAL_STATUSES)[number];

export class ApproverView {
  @ApiProperty() subject!: string;
  @ApiProperty() issuer!: string;
  @ApiPropertyOptional() app_id?: string;
}

/** One row of the `approvals` read model, as the API returns it. */
export class ApprovalView {
  @ApiProperty() approvalId!: string;
  @ApiProperty({ enum: APPROVAL_STATUSES }) status!: string;
  @ApiProperty({ enum: ['command', 'session'] }) scope!: string;
  @ApiProperty() sessionId!: string;
  @ApiPropertyOptional({ nullable: true, type: Number }) sequence!: number | null;
  @ApiProperty() targetName!: string;
  @ApiProperty() requesterSubject!: string;
  @ApiProperty() requesterIssuer!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) requesterAppId!: string | null;
  @ApiProperty({ description: 'The statement or command waiting, or the session asked for.' }) text!: string;
  @ApiProperty({ description: "The policy's review reasons." }) reason!: string;
  @ApiProperty({ type: [String] }) approverGroups!: string[];
  @ApiProperty() minApprovals!: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) windowSeconds!: number | null;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: [ApproverView] }) grantedBy!: ApproverView[];
  @ApiPropertyOptional({ nullable: true, type: ApproverView }) deniedBy!: ApproverView | null;
  @ApiPropertyOptional({ nullable: true, type: String }) comment!: string | null;
  @ApiProperty({ description: 'Attempts to decide it that the rules refused.' }) refusedAttempts!: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) timeToDecisionMs!: number | null;
  @ApiProperty() gatewayInstance!: string;
}

export class ApprovalPage {
  @ApiProperty({ type: [ApprovalView] }) items!: ApprovalView[];
}

/** What a grant or deny answers: the approval as the aggregate now sees it. */
export class ApprovalDecisionView {
  @ApiProperty() approvalId!: string;
  @ApiProperty({ enum: APPROVAL_STATUSES }) status!: string;
  @ApiProperty({ description: 'Distinct approvers who granted so far.' }) grants!: number;
  @ApiProperty() minApprovals!: number;
}
