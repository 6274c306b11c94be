import { eventCatalog, isEventType } from './catalog/index.js';
import { PortcullisError, ErrorCode } from './errors.js';

/**
 * Events are immutable, schemas are not. When a schema changes, its version
 * goes up and an upcaster turns stored data of version N into version N+1;
 * readers call `upcast` so domain code only ever sees current versions.
 * Stored bytes are never rewritten (the hash chain covers them).
 */
export type Upcaster = (data: unknown) => unknown;

export class UpcasterRegistry {
  private readonly steps = new Map<string, Upcaster>();

  register(type: string, fromVersion: number, upcaster: Upcaster): this {
    this.steps.set(`${type}@${fromVersion}`, upcaster);
    return this;
  }

  /** Brings `data` from `schemaVersion` up to the catalog's current version. */
  upcast<E extends { type: string; schemaVersion: number; data: unknown }>(event: E): E {
    if (!isEventType(event.type)) return event;
    const current = eventCatalog[event.type].schemaVersion;
    let { data, schemaVersion } = event;
    while (schemaVersion < current) {
      const step = this.steps.get(`${event.type}@${schemaVersion}`);
      if (!step) {
        throw new PortcullisError(
          ErrorCode.Internal,
          `no upcaster for ${event.type} from schema version ${schemaVersion} to ${current}`,
        );
      }
      data = step(data);
      schemaVersion += 1;
    }
    return schemaVersion === event.schemaVersion ? event : { ...event, data, schemaVersion };
  }
}

/** The upcasters of the shipped catalog (none yet: every event is at version 1). */
export const catalogUpcasters = new UpcasterRegistry();
