import { Inject, Injectable } from '@nestjs/common';
import { sessionStream, toNewEvent, type SessionEvent } from '@portcullis/events';
import type { AppendResult, EventStore } from '@portcullis/eventstore';
import { EVENT_STORE, GATEWAY_CONFIG } from '../tokens.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { decideSession, evolveSession, initialSessionState, type SessionCommand } from './domain/session.js';

/**
 * Loads a session from its stream, decides, and appends with the expected
 * revision: a concurrent writer gets the store's typed conflict, never a
 * silent overwrite.
 */
@Injectable()
export class SessionRepository {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async handle(
    sessionId: string,
    command: SessionCommand,
    actor: string,
  ): Promise<{ events: SessionEvent[]; result: AppendResult | null }> {
    const stream = sessionStream(sessionId);
    const history = await this.store.readStream(stream);
    const state = history
      .map((e) => e as unknown as SessionEvent)
      .reduce(evolveSession, initialSessionState());
    const events = decideSession(command, state);
    if (events.length === 0) return { events, result: null };
    const expected = history.length === 0 ? 'no_stream' : history.at(-1)!.revision;
    const context = { correlationId: sessionId, actor, gatewayInstance: this.config.instance };
    const result = await this.store.append(
      stream,
      events.map((e) => toNewEvent(e, context)),
      expected,
    );
    return { events, result };
  }
}
