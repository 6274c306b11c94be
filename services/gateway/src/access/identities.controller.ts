import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ValidationError, type RevokedIdentity } from '@portcullis/events';
import { ApiCallerAuth } from '../auth/api-caller-auth.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { adminRole, operatorOf, parseBody } from './admin-request.js';
import { LiftBody, RevocationList, RevocationView, RevokeBody } from './access.views.js';
import { LiftRevocationCommand, RevokeIdentityCommand } from './commands/access-commands.js';
import { ListRevocationsQuery } from './queries/list-revocations.query.js';

/**
 * Identity revocations, for callers in `api.adminGroups`: a revoked identity
 * is refused at admission on every instance and its live sessions are ended;
 * `DELETE /api/identities/revocations/:id` lifts it.
 */
@ApiTags('identities')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'Not in api.adminGroups (reason not_an_admin / no_admin_groups).' })
@Controller('api/identities')
export class IdentitiesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly auth: ApiCallerAuth,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('revoke')
  @HttpCode(201)
  @ApiBody({ type: RevokeBody })
  @ApiCreatedResponse({ type: RevocationView })
  async revoke(
    @Headers('authorization') authorization?: string,
    @Body() body?: unknown,
  ): Promise<RevocationView> {
    const { caller } = await this.auth.verifyMember(authorization, adminRole(this.config));
    const input = parseBody(body, {
      issuer: 'string',
      subject: 'string',
      appId: 'string',
      reason: 'required',
      expiresAt: 'date',
    });
    return this.commands.execute(
      new RevokeIdentityCommand(
        revokedIdentityOf(input),
        operatorOf(caller),
        input.reason!,
        input.expiresAt === undefined ? undefined : new Date(input.expiresAt),
      ),
    );
  }

  @Get('revocations')
  @ApiOkResponse({ type: RevocationList })
  async list(@Headers('authorization') authorization?: string): Promise<RevocationList> {
    await this.auth.verifyMember(authorization, adminRole(this.config));
    return this.queries.execute(new ListRevocationsQuery());
  }

  @Delete('revocations/:id')
  @ApiBody({ type: LiftBody, required: false })
  @ApiOkResponse({ type: RevocationView })
  @ApiNotFoundResponse({ description: 'No such revocation (reason unknown_revocation).' })
  @ApiConflictResponse({ description: 'Already lifted (reason already_lifted).' })
  async lift(
    @Param('id') id: string,
    @Headers('authorization') authorization?: string,
    @Body() body?: unknown,
  ): Promise<RevocationView> {
    const { caller } = await this.auth.verifyMember(authorization, adminRole(this.config));
    const input = parseBody(body, { reason: 'string' });
    return this.commands.execute(new LiftRevocationCommand(id, operatorOf(caller), input.reason));
  }
}

function revokedIdentityOf(input: { issuer?: string; subject?: string; appId?: string }): RevokedIdentity {
  const { issuer, subject, appId } = input;
  if (appId !== undefined && issuer === undefined && subject === undefined) return { appId };
  if (appId === undefined && issuer !== undefined && subject !== undefined) return { issuer, subject };
  throw new ValidationError('invalid body', [
    { path: '/', message: 'give issuer and subject (one principal), or appId (an application), not both' },
  ]);
}
