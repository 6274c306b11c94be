import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import {
  EVENT_STORE,
  GATEWAY_CONFIG,
  LOGGER,
  POLICY_ENGINE,
  READ_MODEL_DB,
  TOKEN_VERIFIER,
  AUDIT_BACKLOG,
  DEV_ISSUER,
  ACCESS_LIFECYCLE,
  MCP_ENDPOINT,
} from './tokens.js';
import type { McpEndpoint } from '@portcullis/mcp';
import { McpController } from './mcp/mcp.controller.js';
import { DevIssuerController } from './demo/dev-issuer.controller.js';
import { ApprovalsController } from './approvals/approvals.controller.js';
import { ApiCallerAuth } from './auth/api-caller-auth.js';
import { ApprovalExpirySaga } from './approvals/approval-expiry.saga.js';
import { ApprovalWebhook } from './approvals/approval-webhook.js';
import { approvalCommandHandlers } from './approvals/commands/approval-command.handlers.js';
import { GetApprovalHandler, ListApprovalsHandler } from './approvals/queries/list-approvals.handler.js';
import { PolicyActivation } from './policy/policy-activation.js';
import { PolicyDataWatcher } from './policy/policy-data-watcher.js';
import type { GatewayRuntime } from './runtime/gateway-runtime.js';
import { ListSessionsHandler } from './sessions/queries/list-sessions.handler.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { ProjectionsService } from './projections/projections.service.js';
import { StoreEventBridge } from './events/store-event-bridge.js';
import { HealthController } from './health/health.controller.js';
import { EventStoreHealth } from './health/event-store.health.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { EventsController } from './siem/events.controller.js';
import { ComplianceController } from './compliance/compliance.controller.js';
import { complianceQueryHandlers } from './compliance/queries/compliance.handlers.js';
import { ComplianceReports } from './compliance/compliance-reports.js';
import { IdentitiesController } from './access/identities.controller.js';
import { accessCommandHandlers } from './access/commands/access-command.handlers.js';
import { ListRevocationsHandler } from './access/queries/list-revocations.handler.js';
import { ConsoleController } from './console/console.controller.js';
import { ConsoleComplianceController } from './console/console-compliance.controller.js';
import { ConsoleRecordingController } from './console/recording/console-recording.controller.js';
import { ConsolePages } from './console/console-pages.js';
import { ConsoleSessionStore } from './console/auth/console-session-store.js';
import { ConsoleSignIn } from './console/auth/console-sign-in.js';
import { ConsoleReads } from './console/console-reads.js';
import { ApprovalChanges } from './console/live/approval-changes.js';
import { ForwardersService } from './siem/forwarders/forwarders.service.js';
import { AnchorsService } from './siem/anchors/anchors.service.js';

@Module({})
export class GatewayModule {
  static forRoot(runtime: GatewayRuntime, mcp?: McpEndpoint): DynamicModule {
    return {
      module: GatewayModule,
      imports: [CqrsModule.forRoot(), TerminusModule.forRoot({ logger: false })],
      controllers: [
        SessionsController,
        ApprovalsController,
        EventsController,
        ComplianceController,
        IdentitiesController,
        HealthController,
        MetricsController,
        ConsoleController,
        ConsoleComplianceController,
        ConsoleRecordingController,
        ...(runtime.devIssuer ? [DevIssuerController] : []),
        ...(mcp ? [McpController] : []),
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: runtime.config },
        { provide: EVENT_STORE, useValue: runtime.store },
        { provide: READ_MODEL_DB, useValue: runtime.readModels },
        { provide: LOGGER, useValue: runtime.log },
        { provide: POLICY_ENGINE, useValue: runtime.policy },
        { provide: TOKEN_VERIFIER, useValue: runtime.tokens },
        { provide: AUDIT_BACKLOG, useValue: runtime.audit.backlog },
        { provide: ACCESS_LIFECYCLE, useValue: runtime.lifecycle },
        ...(runtime.devIssuer ? [{ provide: DEV_ISSUER, useValue: runtime.devIssuer }] : []),
        ...(mcp ? [{ provide: MCP_ENDPOINT, useValue: mcp }] : []),
        PolicyActivation,
        PolicyDataWatcher,
        ListSessionsHandler,
        ...complianceQueryHandlers,
        ComplianceReports,
        ApiCallerAuth,
        ...approvalCommandHandlers,
        ...accessCommandHandlers,
        ListRevocationsHandler,
        ListApprovalsHandler,
        GetApprovalHandler,
        ApprovalExpirySaga,
        ApprovalWebhook,
        ProjectionsService,
        StoreEventBridge,
        EventStoreHealth,
        GatewayMetrics,
        ConsoleSessionStore,
        ConsoleSignIn,
        ConsoleReads,
        ConsolePages,
        ApprovalChanges,
        ForwardersService,
        AnchorsService,
      ],
    };
  }
}
