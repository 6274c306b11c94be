import { Controller, Get, Headers, Query as QueryParam, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiCallerAuth } from '../auth/api-caller-auth.js';
import { ComplianceReports, wantsCsv, type ComplianceParams } from './compliance-reports.js';
import { COMMAND_STATUSES, OUTCOMES } from './queries/compliance.queries.js';
import {
  ApprovalServiceLevels,
  CommandPage,
  IdentityPage,
  SensitiveAccessPage,
} from './queries/compliance.views.js';

type Params = ComplianceParams;

/**
 * The compliance read models (`commands`, `identities`, `sensitive_access`)
 * and approval service levels, for auditors: callers whose token's groups
 * include one of `api.auditorGroups`. The reports themselves (filters,
 * queries, CSV columns) are compliance-reports.ts, shared with the console.
 * JSON pages in global order with an
 * opaque `cursor`; CSV (`Accept: text/csv` or `?format=csv`) exports every
 * row matching the filters.
 */
@ApiTags('compliance')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No token, or a token that does not verify.' })
@ApiForbiddenResponse({
  description: 'The token is valid but none of its groups is in api.auditorGroups (or none is configured).',
})
@ApiProduces('application/json', 'text/csv')
@Controller('api')
export class ComplianceController {
  constructor(
    private readonly reports: ComplianceReports,
    private readonly auth: ApiCallerAuth,
  ) {}

  @Get('commands')
  @ApiOkResponse({ type: CommandPage, description: 'JSON, or CSV with one row per command.' })
  @FilterParams({ outcome: true })
  @ApiQuery({ name: 'status', required: false, enum: COMMAND_STATUSES })
  @ApiQuery({ name: 'session', required: false, type: String })
  async commands(
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept') accept: string | undefined,
    @QueryParam() params: Params,
  ): Promise<CommandPage | StreamableFile> {
    await this.auth.verifyAuditor(authorization, 'the commands read model');
    return wantsCsv(params, accept) ? this.reports.commandsCsv(params) : this.reports.commands(params);
  }

  @Get('identities')
  @ApiOkResponse({ type: IdentityPage, description: 'JSON, or CSV with one row per identity.' })
  @FilterParams({ timeRange: 'identities active in [from, to)', target: 'identities that reached it' })
  async identities(
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept') accept: string | undefined,
    @QueryParam() params: Params,
  ): Promise<IdentityPage | StreamableFile> {
    await this.auth.verifyAuditor(authorization, 'the identities read model');
    return wantsCsv(params, accept) ? this.reports.identitiesCsv(params) : this.reports.identities(params);
  }

  @Get('sensitive-access')
  @ApiOkResponse({
    type: SensitiveAccessPage,
    description: 'JSON, or CSV with one row per masked column of a command’s results.',
  })
  @FilterParams({})
  @ApiQuery({ name: 'column', required: false, type: String, description: 'schema.table.column' })
  async sensitiveAccess(
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept') accept: string | undefined,
    @QueryParam() params: Params,
  ): Promise<SensitiveAccessPage | StreamableFile> {
    await this.auth.verifyAuditor(authorization, 'the sensitive_access read model');
    return wantsCsv(params, accept)
      ? this.reports.sensitiveAccessCsv(params)
      : this.reports.sensitiveAccess(params);
  }

  @Get('approval-service-levels')
  @ApiOkResponse({
    type: ApprovalServiceLevels,
    description: 'Time to decision by approver group and target; JSON or CSV.',
  })
  @ApiQuery({ name: 'target', required: false, type: String })
  @ApiQuery({ name: 'group', required: false, type: String, description: 'An approver group' })
  @ApiQuery({ name: 'from', required: false, type: String, description: 'Requested at or after (ISO 8601)' })
  @ApiQuery({ name: 'to', required: false, type: String, description: 'Requested before (ISO 8601)' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async approvalServiceLevels(
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept') accept: string | undefined,
    @QueryParam() params: Params,
  ): Promise<ApprovalServiceLevels | StreamableFile> {
    await this.auth.verifyAuditor(authorization, 'the approval service levels');
    return wantsCsv(params, accept)
      ? this.reports.approvalServiceLevelsCsv(params)
      : this.reports.approvalServiceLevels(params);
  }
}

/** The query parameters every paged read model takes, for the OpenAPI document. */
function FilterParams(options: { outcome?: boolean; timeRange?: string; target?: string }): MethodDecorator {
  const decorators = [
    ApiQuery({ name: 'identity', required: false, type: String, description: 'Subject or app id' }),
    ApiQuery({ name: 'issuer', required: false, type: String }),
    ApiQuery({ name: 'target', required: false, type: String, description: options.target }),
    ...(options.outcome ? [ApiQuery({ name: 'outcome', required: false, enum: OUTCOMES })] : []),
    ApiQuery({
      name: 'from',
      required: false,
      type: String,
      description: `ISO 8601, inclusive${options.timeRange ? ` (${options.timeRange})` : ''}`,
    }),
    ApiQuery({ name: 'to', required: false, type: String, description: 'ISO 8601, exclusive' }),
    ApiQuery({
      name: 'limit',
      required: false,
      type: Number,
      description: 'JSON page size, 1-500, default 100',
    }),
    ApiQuery({ name: 'cursor', required: false, type: String, description: '`next` of the previous page' }),
    ApiQuery({
      name: 'format',
      required: false,
      enum: ['json', 'csv'],
      description: 'csv: every row matching the filters (after `cursor`); also chosen by Accept: text/csv',
    }),
  ];
  return (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };
}
