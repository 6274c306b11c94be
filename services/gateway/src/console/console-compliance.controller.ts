import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Post, Req, Res, type StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ValidationError, type AuditAnchorSignedData } from '@portcullis/events';
import { verifyChains, type EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { ComplianceReports, type ComplianceParams } from '../compliance/compliance-reports.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../tokens.js';
import { setSecurityHeaders } from './auth/console-http.js';
import { complianceReaderRoles } from './auth/console-roles.js';
import type { ConsoleSession } from './auth/console-user.js';
import { ConsolePages, redirect, type ConsoleRequest } from './console-pages.js';
import { html, type Html } from './views/html.js';
import {
  auditChainBody,
  commandsBody,
  complianceNav,
  COMPLIANCE_VIEWS,
  identitiesBody,
  sensitiveAccessBody,
  serviceLevelsBody,
  type ChainVerifyRun,
  type ComplianceView,
  type LastAnchor,
} from './views/compliance-page.js';
import { messageBody } from './views/simple-pages.js';

/** An on-demand chain walk from the page reads at most this many events. */
export const CONSOLE_VERIFY_MAX_EVENTS = 1_000_000;

/** The filters each page takes from its URL (the REST endpoint's names); anything else is dropped. */
const PARAMS = ['identity', 'issuer', 'target', 'column', 'group', 'from', 'to', 'cursor', 'format'] as const;

/**
 * The console's Compliance pages, for auditors and admins
 * (`console.auditorGroups`, `console.adminGroups`, by the API's group
 * rule): per-identity activity, denials, sensitive access (columns and
 * counts, never values), approval service levels, the audit chain's last
 * anchor and an on-demand chain walk. Every view reads through
 * ComplianceReports, the REST compliance endpoints' own reports, and its
 * CSV link serves the same CSV they do.
 */
@ApiExcludeController()
@Controller('console/compliance')
export class ConsoleComplianceController {
  private lastRun: ChainVerifyRun | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly pages: ConsolePages,
    private readonly reports: ComplianceReports,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  async overview(@Req() req: ConsoleRequest, @Res() res: ServerResponse): Promise<void> {
    const session = this.allowed(req, res);
    if (!session) return;
    await this.pages.guard(res, session, async () => {
      const anchor = await this.lastAnchor();
      this.pages.render(
        res,
        200,
        'compliance',
        'Compliance: audit chain',
        session,
        auditChainBody(
          anchor,
          this.lastRun,
          this.running !== undefined,
          CONSOLE_VERIFY_MAX_EVENTS,
          session.csrfToken,
        ),
      );
    });
  }

  /** Walks the hash chains (bounded), one walk at a time per gateway; the page shows the result. */
  @Post('audit-chain/verify')
  async verify(@Req() req: ConsoleRequest, @Res() res: ServerResponse): Promise<void> {
    const session = this.allowed(req, res);
    if (!session || this.pages.refusedAsCsrf(req, res, session)) return;
    await this.pages.guard(res, session, async () => {
      this.running ??= (async () => {
        try {
          const report = await verifyChains(this.store, { maxEvents: CONSOLE_VERIFY_MAX_EVENTS });
          this.lastRun = {
            at: new Date().toISOString(),
            by: session.user.caller.subject,
            events: report.events,
            streams: report.streams,
            partial: report.truncated === true,
            breaks: report.breaks.map((b) => ({
              streamName: b.streamName,
              revision: b.revision,
              problem: b.problem,
            })),
          };
          this.log.info(
            {
              subject: session.user.caller.subject,
              events: report.events,
              breaks: report.breaks.length,
              truncated: report.truncated === true,
            },
            'console: audit chain verified',
          );
        } finally {
          this.running = undefined;
        }
      })();
      await this.running;
      redirect(res, '/console/compliance');
    });
  }

  @Get(':view')
  async view(
    @Param('view') name: string,
    @Req() req: ConsoleRequest,
    @Res() res: ServerResponse,
  ): Promise<void> {
    const session = this.allowed(req, res);
    if (!session) return;
    const view = COMPLIANCE_VIEWS.find((v) => v.view === name);
    if (!view) {
      return this.pages.render(
        res,
        404,
        'compliance',
        'No such page',
        session,
        messageBody(`There is no compliance view ${name}.`, {
          href: '/console/compliance',
          label: 'Compliance',
        }),
      );
    }
    const filters = filtersOf(req);
    await this.pages.guard(res, session, async () => {
      if (filters.format !== undefined && filters.format !== 'csv') {
        throw new ValidationError('invalid query', [{ path: 'format', message: 'must be csv' }]);
      }
      const { format, cursor, ...shown } = filters;
      if (format === 'csv') return sendFile(res, await this.csv(view.view, filters));
      const body = await this.body(view.view, shown, cursor);
      this.pages.render(
        res,
        200,
        'compliance',
        `Compliance: ${view.label.toLowerCase()}`,
        session,
        html`${complianceNav(view.view)}${body}`,
      );
    });
  }

  private async body(
    view: ComplianceView,
    filters: ComplianceParams,
    cursor: string | undefined,
  ): Promise<Html> {
    const params = { ...filters, ...(cursor !== undefined ? { cursor } : {}) };
    switch (view) {
      case 'identities': {
        const page = await this.reports.identities(params);
        return identitiesBody(page.items, page.next, filters);
      }
      case 'activity': {
        const page = await this.reports.commands(params);
        return commandsBody('activity', page.items, page.next, filters);
      }
      case 'denials': {
        const page = await this.reports.commands({ ...params, outcome: 'deny' });
        return commandsBody('denials', page.items, page.next, filters);
      }
      case 'sensitive-access': {
        const page = await this.reports.sensitiveAccess(params);
        return sensitiveAccessBody(page.items, page.next, filters);
      }
      case 'approval-service-levels':
        return serviceLevelsBody((await this.reports.approvalServiceLevels(params)).items, filters);
      case 'overview':
        throw new Error('the overview is not a report');
    }
  }

  /** The REST endpoint's CSV of the same report and filters. */
  private csv(view: ComplianceView, params: ComplianceParams): StreamableFile | Promise<StreamableFile> {
    switch (view) {
      case 'identities':
        return this.reports.identitiesCsv(params);
      case 'activity':
        return this.reports.commandsCsv(params);
      case 'denials':
        return this.reports.commandsCsv({ ...params, outcome: 'deny' }, 'denials');
      case 'sensitive-access':
        return this.reports.sensitiveAccessCsv(params);
      case 'approval-service-levels':
        return this.reports.approvalServiceLevelsCsv(params);
      case 'overview':
        throw new Error('the overview is not a report');
    }
  }

  /** The newest AuditAnchorSigned of any instance: one event read backwards. */
  private async lastAnchor(): Promise<LastAnchor | undefined> {
    const [last] = await this.store.readAll<{ type: 'AuditAnchorSigned'; data: AuditAnchorSignedData }>({
      direction: 'backwards',
      maxCount: 1,
      filter: { eventTypes: ['AuditAnchorSigned'] },
    });
    return last ? { data: last.data, streamName: last.streamName } : undefined;
  }

  /** A signed-in auditor or admin, or a page saying why not (403 with the rule's reason), or a redirect to sign in. */
  private allowed(req: ConsoleRequest, res: ServerResponse): ConsoleSession | undefined {
    const session = this.pages.signedIn(req, res);
    if (!session || this.pages.refusedRole(res, session, complianceReaderRoles(this.config.console)))
      return undefined;
    return session;
  }
}

function filtersOf(req: ConsoleRequest): Record<string, string | undefined> {
  const query = new URL(req.url, 'http://console').searchParams;
  const filters: Record<string, string | undefined> = {};
  for (const name of PARAMS) {
    const value = query.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** A CSV from ComplianceReports, with the console's security headers. */
function sendFile(res: ServerResponse, file: StreamableFile): void {
  const headers = file.getHeaders();
  setSecurityHeaders(res);
  res.writeHead(200, {
    'content-type': String(headers.type ?? 'text/csv; charset=utf-8'),
    ...(headers.disposition ? { 'content-disposition': String(headers.disposition) } : {}),
  });
  const stream = file.getStream();
  // A read failing mid-export ends the response short, never hangs it.
  stream.once('error', (error) => res.destroy(error));
  stream.pipe(res);
}
