import { Controller, Get, Headers, Query as QueryParam, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ValidationError } from '@portcullis/events';
import { ApiCallerAuth } from '../auth/api-caller-auth.js';
import { csvFile, type CsvColumn } from './csv-export.js';
import {
  ApprovalServiceLevelsQuery,
  COMMAND_STATUSES,
  ListCommandsQuery,
  ListIdentitiesQuery,
  ListSensitiveAccessQuery,
  OUTCOMES,
} from './queries/compliance.queries.js';
import {
  ApprovalServiceLevels,
  CommandPage,
  IdentityPage,
  SensitiveAccessPage,
  type ApprovalServiceLevelView,
  type CommandView,
  type IdentityView,
  type SensitiveAccessView,
} from './queries/compliance.views.js';
import type { ComplianceFilter, PageRequest } from './queries/paging.js';

/** Rows per page of a CSV export (the export itself has every row after `cursor`). */
const EXPORT_PAGE = 1000;

type Params = Record<string, string | undefined>;

/**
 * The compliance read models (`commands`, `identities`, `sensitive_access`)
 * and approval service levels, for auditors: callers whose token's groups
 * include one of `api.auditorGroups`. JSON pages in global order with an
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
    private readonly queries: QueryBus,
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
    const filter = {
      ...commonFilter(params),
      ...optionalEnum(params, 'outcome', OUTCOMES),
      ...optionalEnum(params, 'status', COMMAND_STATUSES),
      ...(params.session !== undefined ? { session: params.session } : {}),
    };
    const run = (page: PageRequest) => this.queries.execute(new ListCommandsQuery(filter, page));
    return wantsCsv(params, accept)
      ? csvFile('commands', COMMAND_COLUMNS, pages(run, params))
      : run(page(params));
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
    const filter = commonFilter(params);
    const run = (page: PageRequest) => this.queries.execute(new ListIdentitiesQuery(filter, page));
    return wantsCsv(params, accept)
      ? csvFile('identities', IDENTITY_COLUMNS, pages(run, params))
      : run(page(params));
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
    const filter = {
      ...commonFilter(params),
      ...(params.column !== undefined ? { column: params.column } : {}),
    };
    const run = (page: PageRequest) => this.queries.execute(new ListSensitiveAccessQuery(filter, page));
    return wantsCsv(params, accept)
      ? csvFile('sensitive-access', SENSITIVE_ACCESS_COLUMNS, pages(run, params))
      : run(page(params));
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
    const { from, to } = timeRange(params);
    const levels = await this.queries.execute(
      new ApprovalServiceLevelsQuery({
        ...(params.target !== undefined ? { target: params.target } : {}),
        ...(params.group !== undefined ? { group: params.group } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      }),
    );
    if (!wantsCsv(params, accept)) return levels;
    return csvFile(
      'approval-service-levels',
      SERVICE_LEVEL_COLUMNS,
      (async function* () {
        yield levels.items;
      })(),
    );
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

function wantsCsv(params: Params, accept: string | undefined): boolean {
  if (params.format !== undefined) {
    if (params.format !== 'json' && params.format !== 'csv') {
      throw new ValidationError('invalid query', [{ path: 'format', message: 'must be json or csv' }]);
    }
    return params.format === 'csv';
  }
  return /(^|,)\s*text\/csv\b/i.test(accept ?? '');
}

function page(params: Params): PageRequest {
  const limit = params.limit === undefined ? 100 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new ValidationError('invalid query', [
      { path: 'limit', message: 'must be an integer from 1 to 500' },
    ]);
  }
  return { limit, ...(params.cursor !== undefined ? { cursor: params.cursor } : {}) };
}

/** Every page after `cursor`, for an export. */
async function* pages<V>(
  run: (page: PageRequest) => Promise<{ items: V[]; next: string | null }>,
  params: Params,
): AsyncGenerator<V[]> {
  let cursor: string | undefined = params.cursor;
  do {
    const result = await run({ limit: EXPORT_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    yield result.items;
    cursor = result.next ?? undefined;
  } while (cursor !== undefined);
}

function commonFilter(params: Params): ComplianceFilter {
  const { from, to } = timeRange(params);
  return {
    ...(params.identity !== undefined ? { identity: params.identity } : {}),
    ...(params.issuer !== undefined ? { issuer: params.issuer } : {}),
    ...(params.target !== undefined ? { target: params.target } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function timeRange(params: Params): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  for (const name of ['from', 'to'] as const) {
    const value = params[name];
    if (value === undefined) continue;
    if (!ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new ValidationError('invalid query', [
        { path: name, message: 'must be an ISO 8601 date or date-time, e.g. 2026-01-31T00:00:00Z' },
      ]);
    }
    range[name] = new Date(value).toISOString();
  }
  return range;
}

function optionalEnum<K extends string, T extends string>(
  params: Params,
  name: K,
  values: readonly T[],
): Partial<Record<K, T>> {
  const value = params[name];
  if (value === undefined) return {};
  if (!values.includes(value as T)) {
    throw new ValidationError('invalid query', [
      { path: name, message: `must be one of ${values.join(', ')}` },
    ]);
  }
  return { [name]: value } as Partial<Record<K, T>>;
}

const COMMAND_COLUMNS: CsvColumn<CommandView>[] = [
  { header: 'position', value: (c) => c.position },
  { header: 'received_at', value: (c) => c.receivedAt },
  { header: 'session_id', value: (c) => c.sessionId },
  { header: 'sequence', value: (c) => c.sequence },
  { header: 'protocol', value: (c) => c.protocol },
  { header: 'target', value: (c) => c.targetName },
  { header: 'issuer', value: (c) => c.issuer },
  { header: 'subject', value: (c) => c.subject },
  { header: 'app_id', value: (c) => c.appId },
  { header: 'tenant_id', value: (c) => c.tenantId },
  { header: 'text', value: (c) => c.text },
  { header: 'kinds', value: (c) => c.classification.kinds.join(' ') },
  { header: 'objects', value: (c) => (c.classification.objects ?? []).join(' ') },
  { header: 'writes', value: (c) => c.classification.writes ?? null },
  { header: 'outcome', value: (c) => c.outcome },
  { header: 'reasons', value: (c) => c.reasons.join('; ') },
  { header: 'status', value: (c) => c.status },
  { header: 'status_reason', value: (c) => c.statusReason },
  { header: 'approval_id', value: (c) => c.approvalId },
  { header: 'masks', value: (c) => c.masks.map((m) => `${m.column}:${m.method}:${m.count}`).join(' ') },
  { header: 'masked_values', value: (c) => c.maskedValues },
  { header: 'rows', value: (c) => c.rows },
  { header: 'duration_ms', value: (c) => c.durationMs },
  { header: 'error_code', value: (c) => c.errorCode },
  { header: 'policy_revision', value: (c) => c.policyRevision },
];

const IDENTITY_COLUMNS: CsvColumn<IdentityView>[] = [
  { header: 'issuer', value: (i) => i.issuer },
  { header: 'subject', value: (i) => i.subject },
  { header: 'app_id', value: (i) => i.appId },
  { header: 'tenant_id', value: (i) => i.tenantId },
  { header: 'kind', value: (i) => i.identityKind },
  { header: 'sessions', value: (i) => i.sessions },
  { header: 'sessions_rejected', value: (i) => i.sessionsRejected },
  { header: 'commands', value: (i) => i.commands },
  { header: 'denials', value: (i) => i.denials },
  { header: 'reviews', value: (i) => i.reviews },
  { header: 'masked_values', value: (i) => i.maskedValues },
  { header: 'targets', value: (i) => i.targets.map((t) => t.targetName).join(' ') },
  { header: 'first_seen', value: (i) => i.firstSeen },
  { header: 'last_seen', value: (i) => i.lastSeen },
];

const SENSITIVE_ACCESS_COLUMNS: CsvColumn<SensitiveAccessView>[] = [
  { header: 'position', value: (a) => a.position },
  { header: 'accessed_at', value: (a) => a.accessedAt },
  { header: 'session_id', value: (a) => a.sessionId },
  { header: 'sequence', value: (a) => a.sequence },
  { header: 'target', value: (a) => a.targetName },
  { header: 'issuer', value: (a) => a.issuer },
  { header: 'subject', value: (a) => a.subject },
  { header: 'app_id', value: (a) => a.appId },
  { header: 'tenant_id', value: (a) => a.tenantId },
  { header: 'column', value: (a) => a.column },
  { header: 'method', value: (a) => a.method },
  { header: 'rule', value: (a) => a.rule },
  { header: 'detector', value: (a) => a.detector },
  { header: 'count', value: (a) => a.count },
];

const SERVICE_LEVEL_COLUMNS: CsvColumn<ApprovalServiceLevelView>[] = [
  { header: 'approver_group', value: (l) => l.approverGroup },
  { header: 'target', value: (l) => l.targetName },
  { header: 'requested', value: (l) => l.requested },
  { header: 'decided', value: (l) => l.decided },
  { header: 'granted', value: (l) => l.granted },
  { header: 'denied', value: (l) => l.denied },
  { header: 'expired', value: (l) => l.expired },
  { header: 'cancelled', value: (l) => l.cancelled },
  { header: 'pending', value: (l) => l.pending },
  { header: 'mean_ms', value: (l) => l.meanMs },
  { header: 'p50_ms', value: (l) => l.p50Ms },
  { header: 'p95_ms', value: (l) => l.p95Ms },
  { header: 'max_ms', value: (l) => l.maxMs },
];
