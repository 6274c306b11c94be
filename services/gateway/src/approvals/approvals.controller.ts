import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query as QueryParam } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorCode, PortcullisError, ValidationError } from '@portcullis/events';
import { ApiCallerAuth } from '../auth/api-caller-auth.js';
import { DecideApprovalCommand } from './commands/approval-commands.js';
import {
  APPROVAL_STATUSES,
  ApprovalDecisionView,
  ApprovalPage,
  ApprovalView,
  type ApprovalStatusName,
} from './queries/approval.view.js';
import { GetApprovalQuery, ListApprovalsQuery } from './queries/list-approvals.query.js';

export class DecisionBody {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Why; recorded with the decision.' }) comment?: string;
}

/**
 * Just-in-time approvals: list what waits, grant or deny it. Every call
 * needs an OIDC access token; a grant or deny is decided by the approval's
 * rules (approver groups, no self-approval, expiry), and a refused attempt
 * answers 403/404/409 with its `reason` and is recorded as an event.
 */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('api/approvals')
export class ApprovalsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    private readonly auth: ApiCallerAuth,
  ) {}

  @Get()
  @ApiOkResponse({ type: ApprovalPage })
  @ApiQuery({ name: 'status', required: false, enum: APPROVAL_STATUSES })
  @ApiQuery({ name: 'target', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  async list(
    @Headers('authorization') authorization?: string,
    @QueryParam('status') status?: string,
    @QueryParam('target') target?: string,
    @QueryParam('limit') limit?: string,
  ): Promise<ApprovalPage> {
    await this.auth.authenticate(authorization);
    if (status !== undefined && !APPROVAL_STATUSES.includes(status as ApprovalStatusName)) {
      throw new ValidationError('invalid query', [
        { path: 'status', message: `must be one of ${APPROVAL_STATUSES.join(', ')}` },
      ]);
    }
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) {
      throw new ValidationError('invalid query', [
        { path: 'limit', message: 'must be an integer from 1 to 500' },
      ]);
    }
    return this.queries.execute(
      new ListApprovalsQuery({ status: status as ApprovalStatusName | undefined, target, limit: size }),
    );
  }

  @Get(':id')
  @ApiOkResponse({ type: ApprovalView })
  async get(
    @Param('id') id: string,
    @Headers('authorization') authorization?: string,
  ): Promise<ApprovalView> {
    await this.auth.authenticate(authorization);
    const view = await this.queries.execute(new GetApprovalQuery(id));
    if (!view) throw new PortcullisError(ErrorCode.NotFound, `approval ${id} does not exist`);
    return view;
  }

  @Post(':id/grant')
  @HttpCode(200)
  @ApiBody({ type: DecisionBody, required: false })
  @ApiOkResponse({ type: ApprovalDecisionView })
  async grant(
    @Param('id') id: string,
    @Headers('authorization') authorization?: string,
    @Body() body?: unknown,
  ): Promise<ApprovalDecisionView> {
    const by = await this.auth.authenticate(authorization);
    return this.commands.execute(new DecideApprovalCommand(id, 'grant', by, commentOf(body)));
  }

  @Post(':id/deny')
  @HttpCode(200)
  @ApiBody({ type: DecisionBody, required: false })
  @ApiOkResponse({ type: ApprovalDecisionView })
  async deny(
    @Param('id') id: string,
    @Headers('authorization') authorization?: string,
    @Body() body?: unknown,
  ): Promise<ApprovalDecisionView> {
    const by = await this.auth.authenticate(authorization);
    return this.commands.execute(new DecideApprovalCommand(id, 'deny', by, commentOf(body)));
  }
}

function commentOf(body: unknown): string | undefined {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) {
    return undefined;
  }
  const comment = (body as { comment?: unknown }).comment;
  const extra = typeof body === 'object' ? Object.keys(body).filter((k) => k !== 'comment') : ['(body)'];
  if (extra.length > 0 || (comment !== undefined && (typeof comment !== 'string' || comment.length > 1000))) {
    throw new ValidationError('invalid body', [
      ...extra.map((k) => ({ path: `/${k}`, message: 'is not a known field' })),
      ...(comment !== undefined && (typeof comment !== 'string' || comment.length > 1000)
        ? [{ path: '/comment', message: 'must be a string of at most 1000 characters' }]
        : []),
    ]);
  }
  return comment as string | undefined;
}
