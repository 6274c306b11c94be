import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@portcullis/eventstore';
import { SessionRepository } from '../session-repository.js';
import { RecordCommandCommand } from './record-command.command.js';

@CommandHandler(RecordCommandCommand)
export class RecordCommandHandler implements ICommandHandler<RecordCommandCommand> {
  constructor(private readonly sessions: SessionRepository) {}

  async execute(command: RecordCommandCommand): Promise<AppendResult | null> {
    const { result } = await this.sessions.handle(
      command.data.sessionId,
      { type: 'RecordCommand', data: command.data },
      command.actor,
    );
    return result;
  }
}
