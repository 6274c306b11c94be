import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  revocationStream,
  sessionStream,
  terminationStream,
  toNewEvent,
  type IdentityRevokedData,
  type RevocationEvent,
  type SessionEvent,
} from '@portcullis/events';
import { WrongExpectedRevisionError, type EventStore } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { EVENT_STORE, GATEWAY_CONFIG, LOGGER } from '../../tokens.js';
import { AccessRefusedError } from '../access-refused.error.js';
import { revocationView, type RevocationView, type TerminationView } from '../access.views.js';
import { LiftRevocationCommand, RevokeIdentityCommand, TerminateSessionCommand } from './access-commands.js';

/**
 * Records the request in `termination-<sessionId>` (a session stream has one
 * writer, the instance holding it); that instance ends the session when the
 * event reaches it through the store. The session's own stream says whether
 * there is anything to end.
 */
@CommandHandler(TerminateSessionCommand)
export class TerminateSessionHandler implements ICommandHandler<TerminateSessionCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async execute({ sessionId, by, reason }: TerminateSessionCommand): Promise<TerminationView> {
    const [last] = await this.store.readStream<SessionEvent>(sessionStream(sessionId), {
      direction: 'backwards',
      maxCount: 1,
    });
    if (!last) throw new AccessRefusedError('unknown_session', `session ${sessionId} does not exist`);
    if (last.type === 'SessionClosed')
      throw new AccessRefusedError('session_closed', `session ${sessionId} is already closed`);
    if (last.type === 'SessionRejected')
      throw new AccessRefusedError('session_rejected', `session ${sessionId} was rejected: it never opened`);
    await this.store.append(
      terminationStream(sessionId),
      [
        toNewEvent(
          { type: 'SessionTerminationRequested', data: { sessionId, requestedBy: by, reason } },
          { actor: by.subject, gatewayInstance: this.config.instance, correlationId: sessionId },
        ),
      ],
      'any',
    );
    this.log.info({ sessionId, by: by.subject, reason }, 'session termination requested');
    return { sessionId, status: 'terminating', reason, requestedBy: by };
  }
}

@CommandHandler(RevokeIdentityCommand)
export class RevokeIdentityHandler implements ICommandHandler<RevokeIdentityCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async execute(command: RevokeIdentityCommand): Promise<RevocationView> {
    const revocationId = randomUUID();
    const data: IdentityRevokedData = {
      revocationId,
      identity: command.identity,
      reason: command.reason,
      revokedBy: command.by,
      ...(command.expiresAt ? { expiresAt: command.expiresAt.toISOString() } : {}),
    };
    const event = toNewEvent(
      { type: 'IdentityRevoked', data },
      { actor: command.by.subject, gatewayInstance: this.config.instance, correlationId: revocationId },
    );
    await this.store.append(revocationStream(revocationId), [event], 'no_stream');
    this.log.info({ revocationId, identity: command.identity, by: command.by.subject }, 'identity revoked');
    return revocationView(data, new Date(event.metadata.recordedAt));
  }
}

@CommandHandler(LiftRevocationCommand)
export class LiftRevocationHandler implements ICommandHandler<LiftRevocationCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async execute({ revocationId, by, reason }: LiftRevocationCommand): Promise<RevocationView> {
    const events = await this.store.readStream<RevocationEvent>(revocationStream(revocationId));
    const revoked = events.find((e) => e.type === 'IdentityRevoked');
    if (!revoked || revoked.type !== 'IdentityRevoked')
      throw new AccessRefusedError('unknown_revocation', `revocation ${revocationId} does not exist`);
    const alreadyLifted = () =>
      new AccessRefusedError('already_lifted', `revocation ${revocationId} was already lifted`);
    if (events.some((e) => e.type === 'IdentityRevocationLifted')) throw alreadyLifted();
    try {
      await this.store.append(
        revocationStream(revocationId),
        [
          toNewEvent(
            {
              type: 'IdentityRevocationLifted',
              data: { revocationId, liftedBy: by, ...(reason === undefined ? {} : { reason }) },
            },
            { actor: by.subject, gatewayInstance: this.config.instance, correlationId: revocationId },
          ),
        ],
        events.at(-1)!.revision,
      );
    } catch (error) {
      // Someone lifted it in between: the only other event a revocation stream takes.
      if (error instanceof WrongExpectedRevisionError) throw alreadyLifted();
      throw error;
    }
    this.log.info({ revocationId, by: by.subject }, 'identity revocation lifted');
    return {
      ...revocationView(revoked.data, new Date(revoked.metadata.recordedAt)),
      status: 'lifted',
      liftedBy: by,
    };
  }
}

export const accessCommandHandlers = [TerminateSessionHandler, RevokeIdentityHandler, LiftRevocationHandler];
