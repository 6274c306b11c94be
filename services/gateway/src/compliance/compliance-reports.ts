import { Injectable, type StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ValidationError } from '@portcullis/events';
import { csvFile, type CsvColumn } from './csv-export.js';
import {
  ApprovalServiceLevelsQuery,
  COMMAND_STATUSES,
  ListCommandsQuery,
  ListIdentitiesQuery,
  ListSensitiveAccessQuery,
  OUTCOMES,
  type CommandFilter,
} from './queries/compliance.queries.js';
import type {
  ApprovalServiceLevels,
  ApprovalServiceLevelView,
  CommandPage,
  CommandView,
  IdentityPage,
  IdentityView,
  SensitiveAccessPage,
  SensitiveAccessView,
} from './queries/compliance.views.js';
import type { ComplianceFilter, PageRequest } from './queries/paging.js';

/** Rows per page of a CSV export (the export itself has every row after `cursor`). */
const EXPORT_PAGE = 1000;

/** Query parameters as the REST API and the console take them (filters, `limit`, `cursor`, `format`). */
export type ComplianceParams = Record<string, string | undefined>;
type Params = ComplianceParams;

/**
 * The compliance reports, in one place for both readers (the REST API,
 * `compliance.controller.ts`, and the console's Compliance pages): the
 * query parameters they take, checked the same way, the query each runs
 * on the read models, and each one's CSV (its columns, serialised by
 * csv-export.ts). Who may read them is the caller's check.
 */
@Injectable()
export class ComplianceReports {
  constructor(private readonly queries: QueryBus) {}

  commands(params: Params): Promise<CommandPage> {
    return this.runCommands(commandFilter(params), page(params));
  }

  commandsCsv(params: Params, name = 'commands'): StreamableFile {
    const filter = commandFilter(params);
    return csvFile(
      name,
      COMMAND_COLUMNS,
      pages((p) => this.runCommands(filter, p), params),
    );
  }

  identities(params: Params): Promise<IdentityPage> {
    return this.runIdentities(commonFilter(params), page(params));
  }

  identitiesCsv(params: Params): StreamableFile {
    const filter = commonFilter(params);
    return csvFile(
      'identities',
      IDENTITY_COLUMNS,
      pages((p) => this.runIdentities(filter, p), params),
    );
  }

  sensitiveAccess(params: Params): Promise<SensitiveAccessPage> {
    return this.runSensitiveAccess(sensitiveAccessFilter(params), page(params));
  }

  sensitiveAccessCsv(params: Params): StreamableFile {
    const filter = sensitiveAccessFilter(params);
    return csvFile(
      'sensitive-access',
      SENSITIVE_ACCESS_COLUMNS,
      pages((p) => this.runSensitiveAccess(filter, p), params),
    );
  }

  approvalServiceLevels(params: Params): Promise<ApprovalServiceLevels> {
    const { from, to } = timeRange(params);
    return this.queries.execute(
      new ApprovalServiceLevelsQuery({
        ...(params.target !== undefined ? { target: params.target } : {}),
        ...(params.group !== undefined ? { group: params.group } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      }),
    );
  }

  async approvalServiceLevelsCsv(params: Params): Promise<StreamableFile> {
    const levels = await this.approvalServiceLevels(params);
    return csvFile(
      'approval-service-levels',
      SERVICE_LEVEL_COLUMNS,
      (async function* () {
        yield levels.items;
      })(),
    );
  }

  private runCommands(filter: CommandFilter, request: PageRequest): Promise<CommandPage> {
    return this.queries.execute(new ListCommandsQuery(filter, request));
  }

  private runIdentities(filter: ComplianceFilter, request: PageRequest): Promise<IdentityPage> {
    return this.queries.execute(new ListIdentitiesQuery(filter, request));
  }

  private runSensitiveAccess(
    filter: ComplianceFilter & { column?: string },
    request: PageRequest,
  ): Promise<SensitiveAccessPage> {
    return this.queries.execute(new ListSensitiveAccessQuery(filter, request));
  }
}

function commandFilter(params: Params): CommandFilter {
  return {
    ...commonFilter(params),
    ...optionalEnum(params, 'outcome', OUTCOMES),
    ...optionalEnum(params, 'status', COMMAND_STATUSES),
    ...(params.session !== undefined ? { session: params.session } : {}),
  };
}

function sensitiveAccessFilter(params: Params): ComplianceFilter & { column?: string } {
  return { ...commonFilter(params), ...(params.column !== undefined ? { column: params.column } : {}) };
}

export function wantsCsv(params: Params, accept: string | undefined): boolean {
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
