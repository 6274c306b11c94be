import Type, { type Static } from 'typebox';
import { IdentitySchema } from '../identity.js';

/** Events of an `approval-<approvalId>` stream: one just-in-time approval request. */
const ApprovalId = Type.String({ minLength: 1 });

const ApproverSchema = Type.Object(
  {
    subject: Type.String({ minLength: 1 }),
    issuer: Type.String({ minLength: 1 }),
    app_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ApprovalRequestedSchema = Type.Object(
  {
    approvalId: ApprovalId,
    scope: Type.Union([Type.Literal('command'), Type.Literal('session')]),
    sessionId: Type.String(),
    sequence: Type.Optional(Type.Integer({ minimum: 1 })),
    requester: IdentitySchema,
    targetName: Type.String(),
    text: Type.String(),
    classification: Type.Optional(Type.Unknown()),
    reason: Type.String(),
    approverGroups: Type.Array(Type.String()),
    minApprovals: Type.Integer({ minimum: 1 }),
    expiresAt: Type.String({ format: 'date-time' }),
    windowSeconds: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Session scope: how long access lasts.' }),
    ),
  },
  { additionalProperties: false },
);

export const ApprovalGrantedSchema = Type.Object(
  { approvalId: ApprovalId, approver: ApproverSchema, comment: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export const ApprovalDeniedSchema = ApprovalGrantedSchema;
export const ApprovalExpiredSchema = Type.Object({ approvalId: ApprovalId }, { additionalProperties: false });
export const ApprovalCancelledSchema = Type.Object(
  { approvalId: ApprovalId, reason: Type.String() },
  { additionalProperties: false },
);

/** Why an attempt to decide an approval was refused. */
export const ApprovalRefusalReasonSchema = Type.Union([
  Type.Literal('unknown_approval'),
  Type.Literal('expired'),
  Type.Literal('already_decided'),
  Type.Literal('not_an_approver'),
  Type.Literal('self_approval'),
]);

/** An attempt to grant or deny that the rules refused: who tried, and why it did not count. */
export const ApprovalDecisionRefusedSchema = Type.Object(
  {
    approvalId: ApprovalId,
    attempted: Type.Union([Type.Literal('grant'), Type.Literal('deny')]),
    by: ApproverSchema,
    reason: ApprovalRefusalReasonSchema,
    detail: Type.String(),
  },
  { additionalProperties: false },
);

export type Approver = Static<typeof ApproverSchema>;
export type ApprovalRequestedData = Static<typeof ApprovalRequestedSchema>;
export type ApprovalGrantedData = Static<typeof ApprovalGrantedSchema>;
export type ApprovalDeniedData = Static<typeof ApprovalDeniedSchema>;
export type ApprovalExpiredData = Static<typeof ApprovalExpiredSchema>;
export type ApprovalCancelledData = Static<typeof ApprovalCancelledSchema>;
export type ApprovalDecisionRefusedData = Static<typeof ApprovalDecisionRefusedSchema>;
export type ApprovalRefusalReason = Static<typeof ApprovalRefusalReasonSchema>;
