import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore, SqlDatabase } from '@portcullis/eventstore';
import type { Logger } from 'pino';
import { EVENT_STORE, LOGGER, READ_MODEL_DB } from '../tokens.js';
import { ProjectionRunner, type ProjectionStatus } from './projection-runner.js';
import { sessionsProjection } from '../sessions/projections/sessions.projection.js';
import { approvalsProjection } from '../approvals/projections/approvals.projection.js';
import { commandsProjection } from '../compliance/projections/commands.projection.js';
import { identitiesProjection } from '../compliance/projections/identities.projection.js';
import { sensitiveAccessProjection } from '../compliance/projections/sensitive-access.projection.js';
import { ErrorCode, PortcullisError, type Position } from '@portcullis/events';

/** Every projection the gateway keeps. */
export const projections = [
  sessionsProjection,
  approvalsProjection,
  commandsProjection,
  identitiesProjection,
  sensitiveAccessProjection,
];

@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runners: ProjectionRunner[];

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_DB) db: SqlDatabase,
    @Inject(LOGGER) log: Logger,
  ) {
    this.runners = projections.map((p) => new ProjectionRunner(p, store, db, log));
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  statuses(): ProjectionStatus[] {
    return this.runners.map((r) => r.snapshot());
  }

  async rebuild(name: string): Promise<void> {
    const runner = this.runners.find((r) => r.name === name);
    if (!runner) throw new PortcullisError(ErrorCode.NotFound, `no projection named ${name}`);
    await runner.rebuild();
  }

  /** Resolves true once the named projection has taken in the event at `position` (false after the timeout). */
  waitFor(name: string, position: Position, timeoutMs = 5_000): Promise<boolean> {
    const runner = this.runners.find((r) => r.name === name);
    if (!runner) throw new PortcullisError(ErrorCode.NotFound, `no projection named ${name}`);
    return runner.waitFor(position, timeoutMs);
  }

  /** Resolves once every projection has caught up with the events visible now (for tests and the CLI). */
  async waitUntilLive(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.runners.some((r) => r.snapshot().state !== 'live')) {
      if (Date.now() > deadline)
        throw new PortcullisError(ErrorCode.Unavailable, 'projections did not catch up in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
