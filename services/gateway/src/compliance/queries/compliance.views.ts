import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const nullable = (type: unknown, extra: Record<string, unknown> = {}) =>
  ApiPropertyOptional({ nullable: true, type: type as never, ...extra });

export class CommandClassificationView {
  @ApiProperty({ type: [String], description: 'Statement kinds (SQL) or the program (SSH).' })
  kinds!: string[];
  @ApiPropertyOptional({ type: [String], description: 'Relations touched (SQL).' }) objects?: string[];
  @ApiPropertyOptional({ type: [String], description: 'schema.table.column read (SQL).' })
  columns_read?: string[];
  @ApiPropertyOptional({ description: 'Changes data or schema (SQL).' }) writes?: boolean;
  @ApiPropertyOptional({ description: 'Run under sudo (SSH).' }) sudo?: boolean;
}

export class MaskAppliedView {
  @ApiProperty({ description: 'schema.table.column, or the output column name.' }) column!: string;
  @ApiProperty() method!: string;
  @ApiPropertyOptional() rule?: string;
  @ApiPropertyOptional({ description: 'The free-text detector that found the values.' }) detector?: string;
  @ApiProperty({ description: 'Values masked.' }) count!: number;
}

/** One row of the `commands` read model. */
export class CommandView {
  @ApiProperty({ description: 'Global position of its CommandReceived (<commit>/<prepare>).' })
  position!: string;
  @ApiProperty() sessionId!: string;
  @ApiProperty() sequence!: number;
  @ApiProperty({ enum: ['postgres', 'ssh'] }) protocol!: string;
  @nullable(String) targetName!: string | null;
  @nullable(String) subject!: string | null;
  @nullable(String) issuer!: string | null;
  @nullable(String) appId!: string | null;
  @nullable(String) tenantId!: string | null;
  @ApiProperty({
    description:
      'The statement or command line as CommandReceived recorded it: what the client sent. Never bound parameters, result values or error messages.',
  })
  text!: string;
  @ApiProperty({ type: CommandClassificationView }) classification!: CommandClassificationView;
  @nullable(String, { enum: ['allow', 'deny', 'review'], description: 'The last decision.' })
  outcome!: string | null;
  @ApiProperty({ type: [String] }) reasons!: string[];
  @nullable(String) policyRevision!: string | null;
  @nullable(String, { description: 'The approval it waited for (reviewed commands).' }) approvalId!:
    string | null;
  @ApiProperty({ enum: ['received', 'forwarded', 'completed', 'failed', 'blocked', 'unknown'] })
  status!: string;
  @nullable(String, { description: 'Why it was blocked, or why its outcome is unknown.' })
  statusReason!: string | null;
  @ApiProperty({ type: [MaskAppliedView] }) masks!: MaskAppliedView[];
  @ApiProperty() maskedValues!: number;
  @nullable(Number) rows!: number | null;
  @nullable(Number) durationMs!: number | null;
  @nullable(String) commandTag!: string | null;
  @nullable(String, { description: 'SQLSTATE or exit code the client got.' }) errorCode!: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @nullable(String, { format: 'date-time' }) completedAt!: string | null;
}

export class CommandPage {
  @ApiProperty({ type: [CommandView] }) items!: CommandView[];
  @nullable(String, { description: 'Pass as `cursor` for the next page; null on the last.' }) next!:
    string | null;
}

export class IdentityTargetView {
  @ApiProperty() targetName!: string;
  @ApiProperty() sessions!: number;
  @ApiProperty({ format: 'date-time' }) firstSeen!: string;
  @ApiProperty({ format: 'date-time' }) lastSeen!: string;
}

/** One row of the `identities` read model. */
export class IdentityView {
  @ApiProperty() issuer!: string;
  @ApiProperty() subject!: string;
  @nullable(String) appId!: string | null;
  @nullable(String) tenantId!: string | null;
  @nullable(String) identityKind!: string | null;
  @ApiProperty() sessions!: number;
  @ApiProperty({ description: 'Sessions refused after the token was verified.' }) sessionsRejected!: number;
  @ApiProperty() commands!: number;
  @ApiProperty({ description: 'Commands refused (CommandBlocked).' }) denials!: number;
  @ApiProperty({ description: 'Commands that needed an approval.' }) reviews!: number;
  @ApiProperty({ description: 'Values masked in its results.' }) maskedValues!: number;
  @ApiProperty({ format: 'date-time' }) firstSeen!: string;
  @ApiProperty({ format: 'date-time' }) lastSeen!: string;
  @ApiProperty({ type: [IdentityTargetView] }) targets!: IdentityTargetView[];
}

export class IdentityPage {
  @ApiProperty({ type: [IdentityView] }) items!: IdentityView[];
  @nullable(String, { description: 'Pass as `cursor` for the next page; null on the last.' }) next!:
    string | null;
}

/** One row of the `sensitive_access` read model: one masked column of one command's results. */
export class SensitiveAccessView {
  @ApiProperty({ description: 'Global position of its ResultMasked (<commit>/<prepare>).' })
  position!: string;
  @ApiProperty() sessionId!: string;
  @ApiProperty() sequence!: number;
  @nullable(String) targetName!: string | null;
  @nullable(String) subject!: string | null;
  @nullable(String) issuer!: string | null;
  @nullable(String) appId!: string | null;
  @nullable(String) tenantId!: string | null;
  @ApiProperty({ description: 'schema.table.column, or the output column name.' }) column!: string;
  @ApiProperty() method!: string;
  @nullable(String) rule!: string | null;
  @nullable(String, { description: 'The free-text detector (email, card number, …) when one found them.' })
  detector!: string | null;
  @ApiProperty({ description: 'Values masked (never the values).' }) count!: number;
  @ApiProperty({ format: 'date-time' }) accessedAt!: string;
}

export class SensitiveAccessPage {
  @ApiProperty({ type: [SensitiveAccessView] }) items!: SensitiveAccessView[];
  @nullable(String, { description: 'Pass as `cursor` for the next page; null on the last.' }) next!:
    string | null;
}

/** Approval service levels of one approver group on one target. */
export class ApprovalServiceLevelView {
  @ApiProperty() approverGroup!: string;
  @ApiProperty() targetName!: string;
  @ApiProperty() requested!: number;
  @ApiProperty({ description: 'Granted or denied.' }) decided!: number;
  @ApiProperty() granted!: number;
  @ApiProperty() denied!: number;
  @ApiProperty() expired!: number;
  @ApiProperty() cancelled!: number;
  @ApiProperty() pending!: number;
  @nullable(Number, { description: 'Mean time from request to decision, ms.' }) meanMs!: number | null;
  @nullable(Number) p50Ms!: number | null;
  @nullable(Number) p95Ms!: number | null;
  @nullable(Number) maxMs!: number | null;
}

export class ApprovalServiceLevels {
  @ApiProperty({ type: [ApprovalServiceLevelView] }) items!: ApprovalServiceLevelView[];
}
