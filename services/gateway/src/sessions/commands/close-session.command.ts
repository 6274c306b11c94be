import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@portcullis/eventstore';
import type { SessionClosedData } from '@portcullis/events';

export class CloseSessionCommand extends Command<AppendResult | null> {
  constructor(
    readonly data: SessionClosedData,
    readonly actor: string,
  ) {
    super();
  }
}
