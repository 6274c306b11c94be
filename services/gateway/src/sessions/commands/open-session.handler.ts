import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@portcullis/eventstore';
import { SessionRepository } from '../session-repository.js';
import { OpenSessionCommand } from './open-session.command.js';

@CommandHandler(OpenSessionCommand)
export class OpenSessionHandler implements ICommandHandler<OpenSessionCommand> {
  constructor(private readonly sessions: SessionRepository) {}

  async execute(command: OpenSessionCommand): Promise<AppendResult | null> {
    const { result } = await this.sessions.handle(
      command.data.sessionId,
      { type: 'OpenSession', data: command.data },
      command.actor,
    );
    return result;
  }
}
