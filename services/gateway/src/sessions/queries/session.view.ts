import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One row of the `sessions` read model, as the API returns it. */
export class SessionView {
  @ApiProperty() sessionId!: string;
  @ApiProperty({ enum: ['open', 'closed', 'rejected'] }) status!: string;
  @ApiProperty({ enum: ['postgres', 'ssh'] }) protocol!: string;
  @ApiProperty({
    enum: ['wire', 'mcp'],
    description: 'wire: a psql/ssh client on a proxy listener; mcp: an agent on /mcp',
  })
  frontEnd!: string;
  @ApiProperty() targetName!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) subject!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) issuer!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) appId!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) identityKind!: string | null;
  @ApiProperty() clientAddress!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) policyRevision!: string | null;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) closedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closeReason!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) rejectReason!: string | null;
  @ApiProperty() commands!: number;
  @ApiProperty() blocked!: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) bytesFromClient!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) bytesToClient!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) durationMs!: number | null;
  @ApiProperty() gatewayInstance!: string;
}

export class SessionPage {
  @ApiProperty({ type: [SessionView] }) items!: SessionView[];
  @ApiPropertyOptional({
    description: 'Pass as `before` to get the next (older) page.',
    nullable: true,
    type: String,
  })
  next!: string | null;
}
