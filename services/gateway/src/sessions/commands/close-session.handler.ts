import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@portcullis/eventstore';
import { SessionRepository } from '../session-repository.js';
import { CloseSessionCommand } from './close-session.command.js';

@CommandHandler(CloseSessionCommand)
export class CloseSessionHandler implements ICommandHandler<CloseSessionCommand> {
  constructor(private readonly sessions: SessionRepository) {}

  async execute(command: CloseSessionCommand): Promise<AppendResult | null> {
    const { result } = await this.sessions.handle(
      command.data.sessionId,
      { type: 'CloseSession', data: command.data },
      command.actor,
    );
    return result;
  }
}
