import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query as QueryParam,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ValidationError } from '@portcullis/events';
import { adminRole, operatorOf, parseBody } from '../access/admin-request.js';
import { TerminateBody, TerminationView } from '../access/access.views.js';
import { DEFAULT_TERMINATION_REASON, TerminateSessionCommand } from '../access/commands/access-commands.js';
import { ApiCallerAuth } from '../auth/api-caller-auth.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { ListSessionsQuery } from './queries/list-sessions.query.js';
import { SessionPage } from './queries/session.view.js';

const STATUSES = ['open', 'closed', 'rejected'] as const;

@ApiTags('sessions')
@Controller('api/sessions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No token, or a token that does not verify.' })
export class SessionsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    private readonly auth: ApiCallerAuth,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Ends a live session, whichever gateway instance on this store holds it
   * (within a second: PostgreSQL FATAL 57P01, SSH a message then close).
   * For callers in `api.adminGroups`. 202: recorded; SessionClosed follows.
   */
  @Post(':id/terminate')
  @HttpCode(202)
  @ApiBody({ type: TerminateBody, required: false })
  @ApiAcceptedResponse({ type: TerminationView })
  @ApiForbiddenResponse({ description: 'Not in api.adminGroups (reason not_an_admin / no_admin_groups).' })
  @ApiNotFoundResponse({ description: 'No such session (reason unknown_session).' })
  @ApiConflictResponse({
    description: 'Already closed, or rejected (reason session_closed / session_rejected).',
  })
  async terminate(
    @Param('id') id: string,
    @Headers('authorization') authorization?: string,
    @Body() body?: unknown,
  ): Promise<TerminationView> {
    const { caller } = await this.auth.verifyMember(authorization, adminRole(this.config));
    const { reason } = parseBody(body, { reason: 'string' });
    return this.commands.execute(
      new TerminateSessionCommand(id, operatorOf(caller), reason ?? DEFAULT_TERMINATION_REASON),
    );
  }

  /**
   * The `sessions` read model, newest first: who connected to what, from
   * where. For callers in `api.auditorGroups` or `api.adminGroups` (admins
   * need the session ids to terminate sessions).
   */
  @Get()
  @ApiOkResponse({ type: SessionPage })
  @ApiForbiddenResponse({
    description:
      'In neither api.auditorGroups nor api.adminGroups (reason not_an_auditor_or_admin / no_auditor_or_admin_groups).',
  })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'target', required: false, type: String })
  @ApiQuery({
    name: 'identity',
    required: false,
    type: String,
    description: 'A subject or an application id: only that identity',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiQuery({ name: 'before', required: false, type: String, description: 'Cursor from a previous page' })
  async list(
    @Headers('authorization') authorization?: string,
    @QueryParam('status') status?: string,
    @QueryParam('target') target?: string,
    @QueryParam('limit') limit?: string,
    @QueryParam('before') before?: string,
    @QueryParam('identity') identity?: string,
  ): Promise<SessionPage> {
    await this.auth.verifyMemberOfAny(
      authorization,
      [this.auth.auditorRole('the sessions list'), adminRole(this.config)],
      'the sessions list',
    );
    if (status !== undefined && !STATUSES.includes(status as (typeof STATUSES)[number])) {
      throw new ValidationError('invalid query', [
        { path: 'status', message: `must be one of ${STATUSES.join(', ')}` },
      ]);
    }
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) {
      throw new ValidationError('invalid query', [
        { path: 'limit', message: 'must be an integer from 1 to 500' },
      ]);
    }
    return this.queries.execute(
      new ListSessionsQuery({
        status: status as (typeof STATUSES)[number] | undefined,
        target,
        identity,
        limit: size,
        before,
      }),
    );
  }
}
