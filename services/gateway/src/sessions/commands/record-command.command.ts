import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@portcullis/eventstore';
import type { CommandReceivedData } from '@portcullis/events';

/** Records a statement or shell command the session received (the sequence number is assigned here). */
export class RecordCommandCommand extends Command<AppendResult | null> {
  constructor(
    readonly data: Omit<CommandReceivedData, 'sequence'>,
    readonly actor: string,
  ) {
    super();
  }
}
