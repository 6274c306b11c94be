import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class OperatorView {
  @ApiProperty() subject!: string;
  @ApiProperty() issuer!: string;
  @ApiPropertyOptional() app_id?: string;
}

/** 202: the request is recorded; the instance holding the session ends it within a second. */
export class TerminationView {
  @ApiProperty() sessionId!: string;
  @ApiProperty({ enum: ['terminating'] }) status!: 'terminating';
  @ApiProperty() reason!: string;
  @ApiProperty({ type: OperatorView }) requestedBy!: OperatorView;
}

export class RevokedIdentityView {
  @ApiPropertyOptional({ description: 'with subject: one principal of one issuer' }) issuer?: string;
  @ApiPropertyOptional() subject?: string;
  @ApiPropertyOptional({ description: 'instead: every token of this application, whatever issuer' })
  appId?: string;
}

export class RevocationView {
  @ApiProperty() revocationId!: string;
  @ApiProperty({ enum: ['active', 'lifted'] }) status!: 'active' | 'lifted';
  @ApiProperty({ type: RevokedIdentityView }) identity!: RevokedIdentityView;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: OperatorView }) revokedBy!: OperatorView;
  @ApiPropertyOptional({ format: 'date-time' }) revokedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) expiresAt?: string;
  @ApiPropertyOptional({ type: OperatorView }) liftedBy?: OperatorView;
}

export class RevocationList {
  @ApiProperty({ type: [RevocationView] }) items!: RevocationView[];
}

export class TerminateBody {
  @ApiPropertyOptional({
    maxLength: 500,
    description: 'Why; told to the client and recorded in SessionClosed.',
  })
  reason?: string;
}

export class RevokeBody {
  @ApiPropertyOptional({ description: 'The token issuer (with subject)' }) issuer?: string;
  @ApiPropertyOptional({ description: 'The token subject (with issuer)' }) subject?: string;
  @ApiPropertyOptional({ description: 'Or: an application (client) id' }) appId?: string;
  @ApiProperty({ maxLength: 500, description: 'Why; recorded, never told to the client.' }) reason!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'The revocation ends by itself then.' })
  expiresAt?: string;
}

export class LiftBody {
  @ApiPropertyOptional({ maxLength: 500 }) reason?: string;
}

/** A revocation as the API shows it, from its IdentityRevoked data. */
export function revocationView(
  data: {
    revocationId: string;
    identity: RevokedIdentityView;
    reason: string;
    revokedBy: OperatorView;
    expiresAt?: string | Date;
  },
  revokedAt: Date,
): RevocationView {
  const expiresAt = data.expiresAt instanceof Date ? data.expiresAt.toISOString() : data.expiresAt;
  return {
    revocationId: data.revocationId,
    status: 'active',
    identity: data.identity,
    reason: data.reason,
    revokedBy: data.revokedBy,
    revokedAt: revokedAt.toISOString(),
    ...(expiresAt ? { expiresAt } : {}),
  };
}
