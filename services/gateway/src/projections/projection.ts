import type { DomainEvent, Recorded } from '@portcullis/events';
import type { SqlExecutor } from '@portcullis/eventstore';

/**
 * A projection keeps SQL read models from events. `apply` runs in the same
 * transaction as the projection's checkpoint, so each event is applied
 * exactly once even across crashes, and `tables` are truncated on rebuild.
 */
export interface Projection {
  readonly name: string;
  readonly tables: readonly string[];
  readonly eventTypes: readonly string[];
  /** A catalog event of one of `eventTypes` (the runner's subscription filters by them). */
  apply(tx: SqlExecutor, event: Recorded<DomainEvent>): Promise<void>;
}
