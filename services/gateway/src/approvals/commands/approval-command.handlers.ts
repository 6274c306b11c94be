import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { runApprovalCommand } from '@portcullis/session';
import type { EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../../tokens.js';
import type { ApprovalDecisionView } from '../queries/approval.view.js';
import { DecideApprovalCommand, ExpireApprovalCommand } from './approval-commands.js';
import { ApprovalRefusedError } from './approval-refused.error.js';

/** Grant or deny through the aggregate (libs/session approval.ts), with the exact expected revision. */
@CommandHandler(DecideApprovalCommand)
export class DecideApprovalHandler implements ICommandHandler<DecideApprovalCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async execute(command: DecideApprovalCommand): Promise<ApprovalDecisionView> {
    const { decision, state } = await runApprovalCommand(
      this.store,
      command.approvalId,
      {
        kind: command.kind,
        by: command.by,
        ...(command.comment === undefined ? {} : { comment: command.comment }),
      },
      { actor: command.by.subject, gatewayInstance: this.config.instance },
    );
    if (!decision.ok) {
      this.log.warn(
        { approvalId: command.approvalId, by: command.by.subject, reason: decision.reason },
        `approval ${command.kind} refused`,
      );
      throw new ApprovalRefusedError(decision.reason, decision.detail);
    }
    this.log.info(
      { approvalId: command.approvalId, by: command.by.subject, status: state?.status },
      `approval ${command.kind}`,
    );
    return {
      approvalId: command.approvalId,
      status: state!.status,
      grants: state!.grantedBy.length,
      minApprovals: state!.request.minApprovals,
    };
  }
}

@CommandHandler(ExpireApprovalCommand)
export class ExpireApprovalHandler implements ICommandHandler<ExpireApprovalCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async execute(command: ExpireApprovalCommand): Promise<void> {
    await runApprovalCommand(
      this.store,
      command.approvalId,
      { kind: 'expire' },
      { actor: 'portcullis', gatewayInstance: this.config.instance },
    );
  }
}

export const approvalCommandHandlers = [DecideApprovalHandler, ExpireApprovalHandler];
