import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@portcullis/eventstore';
import type { SessionOpenedData } from '@portcullis/events';

export class OpenSessionCommand extends Command<AppendResult | null> {
  constructor(
    readonly data: SessionOpenedData,
    readonly actor: string,
  ) {
    super();
  }
}
